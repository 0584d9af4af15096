"""python manage.py import_areas FILE.xlsx [--dry-run] (FORMATS §1)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from households.excel.areas import import_areas
from households.excel.cli import EXIT_ERRORS, EXIT_USAGE, counts_line
from households.excel.reading import UnreadableFile


class Command(BaseCommand):
    help = (
        "导入行政区划（区划代码、名称、上级区划代码）。有任何错误则不写入。退出码：0 成功，1 文件有错误，2 用法错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args, file, dry_run, **options):
        try:
            area_file, plan, result = import_areas(file, dry_run=dry_run)
        except UnreadableFile as error:
            raise CommandError(f"{file}：{error.message}", returncode=EXIT_USAGE) from None
        except DatabaseError as error:
            raise CommandError(
                f"写入数据库时出错，已全部撤销，未写入任何数据：{error}", returncode=EXIT_ERRORS
            ) from None
        for warning in area_file.warnings:
            self.stderr.write(f"警告：{warning}")
        errors = area_file.errors or (plan.errors if plan else [])
        if errors:
            for problem in errors:
                self.stderr.write(str(problem))
            raise CommandError(f"发现 {len(errors)} 处错误，未写入任何数据", returncode=EXIT_ERRORS)
        self.stdout.write(f"行政区划 {file}：{area_file.rows_read} 行")
        if dry_run:
            self.stdout.write("试运行：文件检查通过，未写入任何数据")
        self.stdout.write(counts_line("行政区划", plan.counts))
        for area, changes in plan.updated[:200]:
            self.stdout.write(f"  {area.code}：" + "；".join(str(change) for change in changes))
        if result is not None:
            self.stdout.write(self.style.SUCCESS("导入完成"))
