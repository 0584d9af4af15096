"""python manage.py seed_demo [--households N] [--seed S] [--reset] (FORMATS §7)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from households import demo
from households.choices import HouseholdStatus


class Command(BaseCommand):
    help = "生成演示县（东川区 530113）：行政区划、农户、成员、收入、事实、预置案例和演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=demo.DEFAULT_HOUSEHOLDS,
            help=f"农户数（默认 {demo.DEFAULT_HOUSEHOLDS}，至少 {len(demo.PLANTED)}，含预置案例）",
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子：相同种子生成相同数据")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除全部农户、成员、收入、事实、调查、变更及其历史、行政区划和演示账号，再重新生成",
        )

    def handle(self, *args, households, seed, reset, **options):
        if households < len(demo.PLANTED):
            raise CommandError(f"--households 至少为 {len(demo.PLANTED)}（预置案例的户数）")
        try:
            with transaction.atomic():
                summary, lost = self.build(households, seed, reset)
        except (ProtectedError, IntegrityError) as exc:
            # Rows of other apps still point at the demo accounts or areas (deferred checks fail at commit).
            raise CommandError(f"演示数据未生成，数据库未做任何修改：{exc}") from exc
        self.report(summary, lost)

    def build(self, households: int, seed: int, reset: bool) -> tuple[demo.DemoSummary, list[str]]:
        existing = demo.existing_data()
        kept: dict[int, str] = {}
        if existing and not reset:
            found = "、".join(f"{name} {count:,} 条" for name, count in existing.items())
            raise CommandError(
                f"数据库中已有数据（{found}），seed_demo 只能在空数据库上运行，未做任何修改。"
                "如需清空后重建演示县，请加 --reset（将删除全部农户、成员、收入、事实、调查、"
                "变更记录及其历史、行政区划和演示账号）。"
            )
        if reset:
            self.stdout.write("正在清除现有登记数据……")
            kept = demo.clear_demo_data()
        summary = demo.build_demo(households, seed)
        return summary, demo.restore_scopes(kept)

    def report(self, summary: demo.DemoSummary, lost: list[str]) -> None:
        areas, statuses = summary.areas, summary.statuses
        total = sum(statuses.values())
        poor = statuses[HouseholdStatus.POOR]
        lines = [
            f"演示县已生成：{demo.COUNTY_NAME}（{demo.COUNTY_CODE}），随机种子 {summary.seed}",
            f"  行政区划：{areas['township']} 个乡镇（街道）、{areas['village']} 个行政村（社区）、"
            f"{areas['group']} 个村民小组",
            f"  农户 {total:,} 户：一般农户 {statuses[HouseholdStatus.ORDINARY]:,}，"
            f"未脱贫 {poor:,}（其中返贫 {summary.returned:,}），已脱贫 {statuses[HouseholdStatus.EXITED]:,}，"
            f"已清退 {statuses[HouseholdStatus.REMOVED]:,}",
            f"  家庭成员 {summary.members:,} 人，年度收入 {summary.incomes:,} 条（2017、2018 年度），"
            f"事实 {summary.facts:,} 条",
            f"  预置案例 {summary.planted} 户，均在铜都街道{demo.VILLAGE1_NAME}（户编号见 docs/demo.md）",
            f"  演示账号：{'、'.join(demo.DEMO_USERNAMES)}，密码 {demo.DEMO_PASSWORD}",
            f"  用时 {summary.seconds:.1f} 秒",
        ]
        if lost:
            lines.append(f"  注意：以下用户原管辖区划已不存在，请重新设置：{'、'.join(lost)}")
        self.stdout.write("\n".join(lines))
