"""The whole journey of each case kind on the demo village: opened from the rules' judgement, through every stage
of SPEC §5, applied to the registry by the county's approval."""

from __future__ import annotations

import datetime

import pytest

from assessment import cases
from assessment.models import CaseTransition
from assessment.workflow import PATH, CaseKind, ReturnCause, Stage
from households.choices import HouseholdStatus
from tests.assessment.workflow_fixtures import *  # noqa: F403

APPROVED_ON = datetime.date(2018, 11, 20)


def open_(demo, users, key, kind, **extra):
    return cases.open_case(demo[key], kind=kind, by=users["township"], **extra)


def stages_passed(case) -> list[str]:
    return list(CaseTransition.objects.filter(case=case).order_by("at", "pk").values_list("target_stage", flat=True))


def test_wrong_inclusion_removes_the_household(demo, users, drive_to):
    case = open_(demo, users, "wrong", CaseKind.WRONG_INCLUSION)
    assert (case.number, case.rule_outcome, case.criteria, case.rules_support) == (
        "2018-错评-0001",
        "WRONG_INCLUSION",
        "E3",
        True,
    )
    assert case.policy_version == case.campaign.policy.version == 1
    drive_to(case, Stage.APPROVED)
    household = demo["wrong"]
    household.refresh_from_db()
    assert household.status == HouseholdStatus.REMOVED
    assert stages_passed(case) == list(PATH)


def test_new_case_registers_the_household(demo, users, drive_to):
    case = open_(demo, users, "new", CaseKind.NEW)
    assert (case.rule_outcome, case.criteria) == ("MISSED", "I1,I2")
    drive_to(case, Stage.APPROVED)
    household = demo["new"]
    household.refresh_from_db()
    assert household.status == HouseholdStatus.POOR
    assert household.registered_on == APPROVED_ON
    assert household.registration_year == 2018
    assert household.attribute == "01"


def test_exit_case_sets_the_exit_year(demo, users, drive_to):
    case = open_(demo, users, "exit", CaseKind.EXIT)
    assert case.rule_outcome == "EXIT_READY"
    drive_to(case, Stage.APPROVED)
    household = demo["exit"]
    household.refresh_from_db()
    assert (household.status, household.exit_year) == (HouseholdStatus.EXITED, 2018)


def test_wrong_exit_readmits_the_household(demo, users, drive_to):
    case = open_(demo, users, "wrong_exit", CaseKind.WRONG_EXIT)
    assert (case.rule_outcome, case.criteria) == ("WRONG_EXIT", "Y2")
    drive_to(case, Stage.APPROVED)
    household = demo["wrong_exit"]
    household.refresh_from_db()
    assert (household.status, household.exit_year, household.returned_year) == (HouseholdStatus.POOR, None, None)


def test_return_records_the_year_cause_and_evidence(demo, users, drive_to):
    case = open_(
        demo, users, "return", CaseKind.RETURN, return_cause=ReturnCause.ILLNESS, evidence="户主 2018 年 7 月确诊尿毒症"
    )
    assert (case.rule_outcome, case.return_cause) == ("RETURN_RISK", "illness")
    drive_to(case, Stage.APPROVED)
    household = demo["return"]
    household.refresh_from_db()
    assert (household.status, household.returned_year, household.status_label) == (HouseholdStatus.POOR, 2018, "返贫")


def test_member_only_wrong_inclusion_removes_the_member_not_the_household(demo, users, drive_to):
    spouse = demo["member"].members.get(relation="02")
    case = open_(demo, users, "member", CaseKind.WRONG_INCLUSION, removes_household=False, removed_members=[spouse])
    assert (case.rule_outcome, case.criteria, case.kind_label) == ("MEMBER_REMOVAL", "E9", "错评清退（成员）")
    drive_to(case, Stage.APPROVED)
    spouse.refresh_from_db()
    household = demo["member"]
    household.refresh_from_db()
    assert (spouse.is_active, spouse.removed_reason, spouse.removed_on) == (False, f"清退 {case.number}", APPROVED_ON)
    assert household.status == HouseholdStatus.POOR
    assert not household.changes.exists()  # a 清退 is not a natural change (SPEC §7)


@pytest.mark.parametrize(
    "key,kind",
    [("wrong", CaseKind.WRONG_INCLUSION), ("new", CaseKind.NEW), ("exit", CaseKind.EXIT)],
)
def test_every_transition_records_who_when_and_a_note(demo, users, drive_to, key, kind):
    case = open_(demo, users, key, kind)
    drive_to(case, Stage.APPROVED)
    transitions = list(case.transitions.select_related("by"))
    assert len(transitions) == len(PATH)
    for transition in transitions:
        assert transition.by_id and transition.at and transition.note
    by_role = {t.target_stage: t.by.role for t in transitions}
    assert by_role[Stage.DEPARTMENT_REVIEW] == "township"
    assert by_role[Stage.APPROVED] == "county"
