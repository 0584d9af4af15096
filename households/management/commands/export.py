"""python manage.py export --kind KIND [--area CODE] [--years Y0 Y1] --output FILE.xlsx (FORMATS §6).

Kinds: areas, roster, comparison (the per-village year-over-year sheet: --area takes a village's code), and the
kinds other apps register in households.excel.export_kinds (missed … data_quality from the latest evaluation run,
publicity, cases).
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.excel.cli import EXIT_USAGE, resolve_user
from households.excel.comparison import default_years, export_comparison
from households.excel.export import export_areas, export_roster
from households.excel.export_kinds import names, registered
from households.models import AccessLog, Area

KINDS = {"areas": "行政区划", "roster": "花名册", "comparison": "村级年度对照表"}
VILLAGE_CODE_LENGTH = 12


class Command(BaseCommand):
    help = (
        "导出 Excel：--kind areas（行政区划）、roster（花名册，可重新导入）或 comparison（村级年度对照表，"
        "--area 村代码 --years 上年 本年）。退出码：0 成功，2 用法错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind",
            required=True,
            help="导出类型：areas、roster、comparison，或 missed、wrong_inclusion、wrong_exit、exit_ready、"
            "continue_support、return_risk、data_quality、publicity、cases",
        )
        parser.add_argument("--area", help="只导出该区划代码下的数据（6/9/12/15位）；comparison 须为12位村代码")
        parser.add_argument(
            "--years",
            nargs=2,
            type=int,
            metavar=("上年", "本年"),
            help="comparison：对照的两个年度（默认最近两个收入年度）",
        )
        parser.add_argument("--output", required=True, help="输出的 .xlsx 文件")
        parser.add_argument("--mask-ids", action="store_true", help="证件号码打码（530113********1234）")
        parser.add_argument("--user", help="记入访问日志的操作人用户名")
        parser.add_argument("--window", type=int, help="publicity：公示期编号（默认最近的一个）")

    def handle(self, *args, kind, area, years, output, mask_ids, user, window=None, **options):
        contributed = registered(kind)
        available = "、".join([*KINDS, *names()])
        if kind not in KINDS and contributed is None:
            raise CommandError(f"未知的导出类型“{kind}”；可用：{available}", returncode=EXIT_USAGE)
        actor = resolve_user(user)
        area_obj = Area.objects.filter(code=area).first() if area else None
        if area and area_obj is None:
            raise CommandError(f"区划代码 {area} 不存在", returncode=EXIT_USAGE)
        if kind == "comparison":
            if area_obj is None or len(area_obj.code) != VILLAGE_CODE_LENGTH:
                raise CommandError("对照表按村导出：请用 --area 给出12位村级区划代码", returncode=EXIT_USAGE)
            years = years or default_years(area_obj)
            if years[0] >= years[1]:
                raise CommandError("--years 须先写上一年度，再写本年度（如 --years 2017 2018）", returncode=EXIT_USAGE)
        elif years:
            raise CommandError("--years 只用于 --kind comparison", returncode=EXIT_USAGE)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在：{target.parent}", returncode=EXIT_USAGE)
        if target.exists() and not target.is_file():
            # Renaming the finished file onto a device (/dev/null) would replace the device node itself.
            raise CommandError(f"输出必须是普通文件：{target}", returncode=EXIT_USAGE)
        # Write next to the target and rename at the end: a failed export leaves no half-written file.
        handle, tmp_name = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
        os.close(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp makes it private; the export gets the usual permissions
        try:
            if kind == "areas":
                rows = export_areas(tmp_name, area_code=area)
            elif kind == "roster":
                rows = export_roster(tmp_name, area_code=area, mask_ids=mask_ids)
            elif contributed is not None:
                rows = contributed.write(tmp_name, area_code=area, mask_ids=True, window=window)
            else:
                rows = export_comparison(tmp_name, area_obj, *years)
            os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        # The comparison sheet (a printed list) and the lists of other apps always mask ID numbers.
        masked = mask_ids or kind == "comparison" or contributed is not None
        label = KINDS.get(kind) or contributed.label
        if actor is not None:
            what = f"导出{label}" + (f"（{area}）" if area else "") + (f" {years[0]}—{years[1]}" if years else "")
            AccessLog.objects.create(
                user=actor,
                action=AccessLog.Action.EXPORT,
                target=what,
                detail=f"命令行导出到 {target.name}" + ("，证件号码已打码" if masked else "，含完整证件号码"),
                row_count=rows,
            )
        unit = "户" if kind == "comparison" else "行"
        self.stdout.write(f"已导出{label} {rows} {unit}到 {target}")
