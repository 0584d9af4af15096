"""Fill a demo database with a current campaign and cases at every stage (for demonstrations and screenshots).

Run after ``migrate``, ``seed_demo`` and ``loaddata policies`` on the same database:
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/workflow_demo.py

It uses the workflow tests' builders (tests/assessment/workflow_builders.py), so every step goes through the same
services as the pages: meetings, surveys, department tasks, publicity windows and county approval. The campaign is
this year's, with seed 003's schedule; the cases' own steps are dated in October of this year.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")

import django  # noqa: E402

django.setup()

from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessment import cases, publicity  # noqa: E402
from assessment.models import (  # noqa: E402
    AdjustmentCase,
    Campaign,
    CaseError,
    EvaluationOutcome,
    Policy,
    PublicityWindow,
)
from assessment.services import run_evaluation  # noqa: E402
from assessment.workflow import CaseKind, ReturnCause, Stage  # noqa: E402
from households.models import User  # noqa: E402
from tests.assessment import workflow_builders as wb  # noqa: E402
from verification.models import VerificationTask  # noqa: E402

TOWNSHIP_1 = "530113001"


def main() -> None:
    today = timezone.localdate()
    year = today.year
    wb.START, wb.SURVEYED = datetime.date(year, 10, 1), datetime.date(year, 10, 10)
    wb.HELD, wb.TODAY, wb.APPROVED = (
        datetime.date(year, 10, 18),
        datetime.date(year, 10, 20),
        datetime.date(year, 11, 2),
    )
    county, township, township2, police = (
        User.objects.get(username=u) for u in ("county", "township1", "township2", "police")
    )
    policy = Policy.objects.get(is_current=True)
    campaign = Campaign.objects.filter(year=year).first() or wb.make_campaign(
        policy, county, year=year, name=f"{year}年度扶贫对象动态管理", starts_on=wb.START
    )
    run = run_evaluation(policy=policy, area_code=county.area.code, by=county)
    print(f"评估批次 #{run.pk}，{campaign.name}")

    def households(code: str, n: int, township_code: str | None = TOWNSHIP_1):
        rows = EvaluationOutcome.objects.filter(run=run, code=code)
        if township_code:
            rows = rows.filter(household__township_code=township_code)
        rows = (
            rows.exclude(household__cases__isnull=False).select_related("household__area").order_by("household__number")
        )
        return [row.household for row in rows[:n]]

    def clerk(household):
        return {TOWNSHIP_1: township, "530113002": township2}.get(household.township_code, county)

    def drive(case, stage):
        if case is None:
            return None
        user = clerk(case.household)
        return wb.drive(case, stage, village=user, township=user, county=county)

    def open_(household, kind, **extra):
        try:
            return cases.open_case(household, kind=kind, by=clerk(household), **extra)
        except CaseError as error:  # e.g. a household that is both 错评 and 可脱贫 gets one case
            print("跳过：", household.number, error.message)
            return None

    # A first village's cases go the whole way, together on one village list (先退后进: the 错评 case with them).
    wrong = households("WRONG_INCLUSION", 3)
    approved = drive(open_(wrong[0], CaseKind.WRONG_INCLUSION), Stage.APPROVED)
    print("已审定：", approved.number)
    village_code = wrong[1].village_code
    listed = [drive(open_(wrong[1], CaseKind.WRONG_INCLUSION), Stage.VILLAGE_PUBLICITY)]
    for code, kind in (("MISSED", CaseKind.NEW), ("EXIT_READY", CaseKind.EXIT), ("WRONG_EXIT", CaseKind.WRONG_EXIT)):
        for household in households(code, 6):
            if household.village_code == village_code and len(listed) < 6:
                case = drive(open_(household, kind), Stage.VILLAGE_PUBLICITY)
                if case is not None:
                    listed.append(case)
    window = publicity.create_window(
        campaign=campaign, level=PublicityWindow.Level.VILLAGE, area=listed[0].household.area.parent, by=township
    )
    publicity.add_cases(window, listed, by=township)
    opened = today - datetime.timedelta(days=2)
    publicity.publish(window, by=township, open_date=opened, today=opened)
    print("村级公示：", window.title, [c.number for c in listed])

    # Cases waiting for the departments (the police queue), some of them overdue.
    for household in wrong[2:] + households("WRONG_INCLUSION", 8, None):
        drive(open_(household, CaseKind.WRONG_INCLUSION), Stage.DEPARTMENT_REVIEW)
    for household in households("MISSED", 3) + households("MISSED", 3, "530113002"):
        drive(open_(household, CaseKind.NEW), Stage.DEPARTMENT_REVIEW)
    register_hits(police)
    late = list(VerificationTask.objects.filter(department__code="公安", status="open").order_by("pk")[:2])
    for task in late:
        VerificationTask.objects.filter(pk=task.pk).update(
            submitted_at=F("submitted_at") - datetime.timedelta(days=12), due_on=today - datetime.timedelta(days=5)
        )

    # The rest spread over the early stages, in both townships.
    for household in households("EXIT_READY", 4):
        drive(open_(household, CaseKind.EXIT), Stage.SURVEY)
    for household in households("EXIT_READY", 3, "530113002"):
        drive(open_(household, CaseKind.EXIT), Stage.SURVEY)
    for household in households("RETURN_RISK", 2):
        open_(household, CaseKind.RETURN, return_cause=ReturnCause.ILLNESS, evidence="县医院诊断证明（大病）")
    print("案件：", AdjustmentCase.objects.count(), "核查任务：", VerificationTask.objects.count())
    print("公安待核查：", VerificationTask.objects.filter(department__code="公安", status="open").count(), police)


def register_hits(police: User) -> None:
    """The police upload a vehicle register extract: cars of a few poor households' heads (大数据比对)."""
    import tempfile

    from openpyxl import Workbook

    from households.models import Member
    from verification.models import Department
    from verification.services import process_register

    heads = Member.objects.filter(
        is_active=True, relation="01", household__status="poor", household__cases__isnull=True
    ).order_by("household__number")[5:9]
    book = Workbook()
    sheet = book.active
    sheet.append(["证件号码", "事实类型", "发生日期", "金额", "类别"])
    for head in heads:
        sheet.append([head.id_number, "机动车", "2013-08-01", 68000, "小型轿车"])
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        book.save(handle.name)
        result = process_register(
            handle.name, department=Department.objects.get(code="公安"), by=police, file_name="车辆登记摘录.xlsx"
        )
    print("大数据比对：新增事实", result.counts, "列入队列", len(result.queued))


if __name__ == "__main__":
    main()
