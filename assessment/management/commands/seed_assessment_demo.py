"""manage.py seed_assessment_demo: the yearly assessment (考核) of the demo county, through the product's services.

Run after ``seed_demo``, ``loaddata policies`` and ``evaluate --policy 云南省2018年度`` (scripts/demo.sh). Writes only
what is missing; a second run changes nothing. What it creates: docs/demo.md "年度考核演示数据"; the logic is in
``assessment/assessment_demo.py``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from assessment.assessment_demo import POLICY_NAME, DemoError, seed_assessment_demo
from assessment.models import EvaluationRun


class Command(BaseCommand):
    help = "为演示县生成年度考核演示数据（抽样、抽查复核、民意测评、指标表、手工打分、申诉、工作经费、自评报告）"

    def add_arguments(self, parser):
        parser.add_argument("--policy", default=POLICY_NAME, help=f"判定政策名称（默认 {POLICY_NAME}）")

    def handle(self, *args, policy, **options):
        try:
            summary = seed_assessment_demo(policy_name=policy)
        except DemoError as error:
            raise CommandError(str(error)) from error
        assessment = summary.assessment
        lines = []
        if summary.changed:
            lines.append(f"年度考核演示数据已生成：{assessment.name}")
            lines += [f"  {line}" for line in summary.created]
            if summary.kept:
                lines.append("  已存在、未修改：" + "；".join(summary.kept))
        else:
            lines.append(f"年度考核演示数据已存在（{assessment.name}），未做任何修改")
        lines += [f"  说明：{note}" for note in summary.notes]
        if not EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED).exists():
            lines.append("  注意：没有已完成的评估批次，“数据质量预警”无法计分，请运行 manage.py evaluate")
        lines.append(f"  查看：/assessment/review/{assessment.pk}/（县扶贫办账号 county）")
        lines.append(f"  用时 {summary.seconds:.1f} 秒")
        self.stdout.write("\n".join(lines))
