"""python manage.py evaluate --policy NAME [--area CODE] [--output FILE] [--user USERNAME] (FORMATS §5)."""

import json
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from households.models import Area

from ...judgements import CANDIDATE_CODES, CODE_LABELS
from ...models import Policy
from ...rules import PolicyIncomplete
from ...services import run_evaluation
from .load_policy import EXIT_ERRORS, EXIT_USAGE, resolve_user


class Command(BaseCommand):
    help = (
        "按政策评估范围内的全部农户，输出 JSON Lines（每户一行，按户编号排序，见 FORMATS §5），并保存为一个评估批次。"
        "退出码：0 成功，1 政策缺少参数，2 用法错误（政策、区划或用户不存在）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--policy", required=True, help="政策名称")
        parser.add_argument(
            "--area", default="", help="区划代码（县 6 位、乡镇 9 位、村 12 位、组 15 位）；默认全部农户"
        )
        parser.add_argument("--output", help="输出文件；默认写到标准输出")
        parser.add_argument("--user", help="记为发起人的用户名（默认不记）")

    def handle(self, *args, policy, area, output, user, **options):
        actor = resolve_user(user)
        chosen = Policy.objects.filter(name=policy).first()
        if chosen is None:
            raise CommandError(f"没有名为「{policy}」的政策，请先用 load_policy 导入", returncode=EXIT_USAGE)
        area = area.strip()
        if area and (len(area) not in (6, 9, 12, 15) or not area.isdigit()):
            raise CommandError(f"区划代码「{area}」应为 6、9、12 或 15 位数字", returncode=EXIT_USAGE)
        if area and not Area.objects.filter(code=area).exists():
            raise CommandError(f"区划代码「{area}」不存在", returncode=EXIT_USAGE)
        if chosen.missing_message:
            raise CommandError(
                f"政策「{chosen.name}」第{chosen.version}版：{chosen.missing_message}", returncode=EXIT_ERRORS
            )

        started = time.perf_counter()
        with _output(output, self.stdout) as write_line:

            def on_judgement(judgement):
                write_line(json.dumps(judgement.to_json_dict(), ensure_ascii=False))

            try:
                run = run_evaluation(policy=chosen, area_code=area, by=actor, on_judgement=on_judgement)
            except PolicyIncomplete as error:
                raise CommandError(str(error), returncode=EXIT_ERRORS) from None
            except DatabaseError as error:
                raise CommandError(f"评估中断，该批次已记为失败，未保存结果：{error}", returncode=EXIT_ERRORS) from None
        seconds = time.perf_counter() - started
        summary = "，".join(
            f"{CODE_LABELS[code]}（{code}）{run.count(code)}" for code in CANDIDATE_CODES if run.count(code)
        )
        self.stderr.write(
            f"评估完成：批次 #{run.pk}，{chosen.name} 第{run.policy_version}版，{run.scope_label}，"
            f"共 {run.household_count} 户，用时 {seconds:.1f} 秒。各结果户数：{summary or '无'}"
        )


class _output:
    """Lines to the command's stdout, or to a file written under a temporary name and renamed only on success."""

    def __init__(self, path: str | None, stdout):
        self.path = Path(path) if path else None
        self.stdout = stdout

    def __enter__(self):
        if self.path is None:
            return self.stdout.write  # OutputWrapper.write ends each line with "\n"
        # A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written directly: renaming a temporary file
        # onto it would replace the device node with a regular file.
        special = self.path.exists() and not self.path.is_file()
        self.temp = self.path if special else self.path.with_name(f".{self.path.name}.part")
        try:
            self.stream = open(self.temp, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed in __exit__
        except OSError as error:
            raise CommandError(f"无法写入 {self.path}：{error.strerror or error}", returncode=EXIT_USAGE) from None
        write = self.stream.write
        return lambda line: write(line + "\n")

    def __exit__(self, kind, value, traceback):
        if self.path is None:
            return False
        self.stream.close()
        if self.temp == self.path:
            return False
        if kind is None:
            os.replace(self.temp, self.path)
        else:
            self.temp.unlink(missing_ok=True)
        return False
