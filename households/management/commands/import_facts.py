"""python manage.py import_facts FILE.xlsx [--source 部门名称] [--dry-run] [--user USERNAME] (FORMATS §3)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from households.excel.cli import EXIT_ERRORS, EXIT_USAGE, change_reason, counts_line, resolve_user
from households.excel.facts import group_unmatched, import_facts
from households.excel.reading import UnreadableFile

UNMATCHED_SHOWN = 200


class Command(BaseCommand):
    help = "导入事实（部门比对数据等）。有任何错误则不写入。退出码：0 成功，1 文件有错误，2 用法错误。"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--source", default="", help="来源部门名称，如 公安；不填则记为县级录入")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--user", help="记入变更历史的操作人用户名（默认不记操作人）")

    def handle(self, *args, file, source, dry_run, user, **options):
        actor = resolve_user(user)
        source = source.strip()
        reason = change_reason(f"导入事实（{source or '县级录入'}）", file)
        try:
            fact_file, plan, result = import_facts(file, user=actor, reason=reason, source_name=source, dry_run=dry_run)
        except UnreadableFile as error:
            raise CommandError(f"{file}：{error.message}", returncode=EXIT_USAGE) from None
        except DatabaseError as error:
            raise CommandError(
                f"写入数据库时出错，已全部撤销，未写入任何数据：{error}", returncode=EXIT_ERRORS
            ) from None
        for warning in fact_file.warnings:
            self.stderr.write(f"警告：{warning}")
        errors = fact_file.errors or (plan.errors if plan else [])
        if errors:
            for problem in errors:
                self.stderr.write(str(problem))
            raise CommandError(f"发现 {len(errors)} 处错误，未写入任何数据", returncode=EXIT_ERRORS)
        out = self.stdout
        out.write(f"事实 {file}：{fact_file.rows_read} 行")
        if dry_run:
            out.write("试运行：文件检查通过，未写入任何数据")
        out.write(counts_line("事实", plan.counts))
        for row, earlier in plan.repeated[:UNMATCHED_SHOWN]:
            out.write(f"  第{row.row}行与第{earlier}行是同一事实，只记一次")
        unmatched = group_unmatched(plan.unmatched)
        if unmatched:
            out.write(f"未匹配到在册成员或农户的 {len(plan.unmatched)} 行（不是错误，未导入）：")
            for subject, rows in list(unmatched.items())[:UNMATCHED_SHOWN]:
                out.write(f"  {subject}：第{'、'.join(str(r) for r in rows[:20])}行")
        if result is not None:
            out.write(self.style.SUCCESS("导入完成"))
