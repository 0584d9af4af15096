"""python manage.py export --kind areas|roster [--area CODE] --output FILE.xlsx (FORMATS §6)."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.excel.cli import EXIT_USAGE, resolve_user
from households.excel.export import export_areas, export_roster
from households.models import AccessLog, Area

KINDS = {"areas": "行政区划", "roster": "花名册"}
# FORMATS §6 kinds that arrive with later issues.
LATER_KINDS = {
    "missed",
    "wrong_inclusion",
    "wrong_exit",
    "exit_ready",
    "continue_support",
    "return_risk",
    "data_quality",
    "publicity",
    "cases",
}


class Command(BaseCommand):
    help = "导出 Excel：--kind areas（行政区划）或 roster（花名册，可重新导入）。退出码：0 成功，2 用法错误。"

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="导出类型：areas 或 roster")
        parser.add_argument("--area", help="只导出该区划代码下的数据（6/9/12/15位）")
        parser.add_argument("--output", required=True, help="输出的 .xlsx 文件")
        parser.add_argument("--mask-ids", action="store_true", help="证件号码打码（530113********1234）")
        parser.add_argument("--user", help="记入访问日志的操作人用户名")

    def handle(self, *args, kind, area, output, mask_ids, user, **options):
        if kind in LATER_KINDS:
            raise CommandError(f"导出类型“{kind}”尚未实现；目前可用：areas、roster", returncode=EXIT_USAGE)
        if kind not in KINDS:
            raise CommandError(f"未知的导出类型“{kind}”；可用：areas、roster", returncode=EXIT_USAGE)
        actor = resolve_user(user)
        if area and not Area.objects.filter(code=area).exists():
            raise CommandError(f"区划代码 {area} 不存在", returncode=EXIT_USAGE)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在：{target.parent}", returncode=EXIT_USAGE)
        # Write next to the target and rename at the end: a failed export leaves no half-written file.
        handle, tmp_name = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
        os.close(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp makes it private; the export gets the usual permissions
        try:
            if kind == "areas":
                rows = export_areas(tmp_name, area_code=area)
            else:
                rows = export_roster(tmp_name, area_code=area, mask_ids=mask_ids)
            os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        if actor is not None:
            AccessLog.objects.create(
                user=actor,
                action=AccessLog.Action.EXPORT,
                target=f"导出{KINDS[kind]}" + (f"（{area}）" if area else ""),
                detail=f"命令行导出到 {target.name}" + ("，证件号码已打码" if mask_ids else "，含完整证件号码"),
                row_count=rows,
            )
        self.stdout.write(f"已导出{KINDS[kind]} {rows} 行到 {target}")
