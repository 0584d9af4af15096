"""python manage.py import_roster FILE.xlsx [--dry-run] [--user USERNAME] (FORMATS §2)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from households.excel.cli import EXIT_ERRORS, EXIT_USAGE, change_reason, counts_line, resolve_user
from households.excel.reading import UnreadableFile
from households.excel.roster import import_roster

ABSENT_SHOWN = 200


class Command(BaseCommand):
    help = (
        "导入农户花名册（每名成员一行）。先检查整个文件，有任何错误则不写入。退出码：0 成功，1 文件有错误，2 用法错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--user", help="记入变更历史的操作人用户名（默认不记操作人）")

    def handle(self, *args, file, dry_run, user, **options):
        actor = resolve_user(user)
        try:
            roster, plan, result = import_roster(
                file, user=actor, reason=change_reason("导入花名册", file), dry_run=dry_run
            )
        except UnreadableFile as error:
            raise CommandError(f"{file}：{error.message}", returncode=EXIT_USAGE) from None
        except DatabaseError as error:
            raise CommandError(
                f"写入数据库时出错，已全部撤销，未写入任何数据：{error}", returncode=EXIT_ERRORS
            ) from None
        for warning in roster.warnings:
            self.stderr.write(f"警告：{warning}")
        errors = roster.errors or (plan.errors if plan else [])
        if errors:
            for problem in errors:
                self.stderr.write(str(problem))
            raise CommandError(f"发现 {len(errors)} 处错误，未写入任何数据", returncode=EXIT_ERRORS)

        counts = plan.counts
        out = self.stdout
        out.write(f"花名册 {file}：{roster.rows_read} 行，{len(roster.households)} 户")
        if dry_run:
            out.write("试运行：文件检查通过，以下为将要写入的变化，未写入任何数据")
        out.write(counts_line("农户", counts["households"]))
        out.write(counts_line("成员", counts["members"]))
        out.write(counts_line("年度收入", counts["incomes"]))
        out.write(counts_line("成员年度情况", counts["member_years"]))
        absent = plan.absent_members
        if absent:
            out.write(
                f"文件中没有、系统中仍在册的成员 {len(absent)} 人（未删除；如已死亡、迁出等，请办理成员自然减少）："
            )
            for member in absent[:ABSENT_SHOWN]:
                out.write(f"  {member}")
            if len(absent) > ABSENT_SHOWN:
                out.write(f"  ……另有 {len(absent) - ABSENT_SHOWN} 人")
        if result is not None:
            out.write(self.style.SUCCESS("导入完成"))
