"""python manage.py purge_import_files [--days 180]: delete uploaded workbooks and error reports of
finished imports older than the retention period (ASVS 14.2.7, docs/jobs.md). The job rows stay: who
imported which file (name, SHA-256, counts) when remains in the import history."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from households.jobs import IMPORT_KINDS, stored_path
from households.models import Job


class Command(BaseCommand):
    help = "删除超过保留期限的已上传导入文件和错误报告（导入记录保留）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=180, help="保留天数（默认 180 天）")

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = Job.objects.filter(kind__in=IMPORT_KINDS, created_at__lt=cutoff).exclude(status__in=Job.RUNNING)
        removed = 0
        for job in old.exclude(stored_path="", error_report="").only("pk", "stored_path", "error_report"):
            for relative in (job.stored_path, job.error_report):
                if relative and stored_path(relative).is_file():
                    stored_path(relative).unlink()
                    removed += 1
            Job.objects.filter(pk=job.pk).update(stored_path="", error_report="")
        self.stdout.write(f"已删除 {removed} 个文件（{days} 天以前上传的导入）")
