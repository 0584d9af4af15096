"""python manage.py purge_import_files [--days 180] [--export-days 7]: delete uploaded workbooks and error
reports of finished imports older than the retention period, and the files of background exports older
than theirs (ASVS 14.2.7, docs/jobs.md). The job rows stay: who imported which file (name, SHA-256, counts)
or exported what when remains in the history and the access log."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from households.background import remove_files
from households.jobs import IMPORT_KINDS, stored_path
from households.models import Job


class Command(BaseCommand):
    help = "删除超过保留期限的已上传导入文件、错误报告和后台导出文件（任务记录保留）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=180, help="导入文件保留天数（默认 180 天）")
        parser.add_argument(
            "--export-days", type=int, default=7, help="导出文件保留天数（默认 7 天：含个人信息的副本，下载后即可删除）"
        )

    def handle(self, *args, days, export_days, **options):
        now = timezone.now()
        cutoff = now - datetime.timedelta(days=days)
        old = Job.objects.filter(kind__in=IMPORT_KINDS, created_at__lt=cutoff).exclude(status__in=Job.RUNNING)
        removed = 0
        for job in old.exclude(stored_path="", error_report="").only("pk", "stored_path", "error_report"):
            for relative in (job.stored_path, job.error_report):
                if relative and stored_path(relative).is_file():
                    stored_path(relative).unlink()
                    removed += 1
            Job.objects.filter(pk=job.pk).update(stored_path="", error_report="")
        self.stdout.write(f"已删除 {removed} 个文件（{days} 天以前上传的导入）")

        export_cutoff = now - datetime.timedelta(days=export_days)
        exports = Job.objects.filter(kind=Job.Kind.EXPORT, created_at__lt=export_cutoff).exclude(status__in=Job.RUNNING)
        removed = 0
        for job in exports.exclude(stored_path="").only("pk", "stored_path"):
            removed += remove_files(job.stored_path)
            Job.objects.filter(pk=job.pk).update(stored_path="")
        self.stdout.write(f"已删除导出文件 {removed} 个（{export_days} 天以前生成的后台导出）")
