"""The change history of a household: saves, bulk writes, moves between households, query budget."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from households import dossier
from households.choices import FactKind, HouseholdStatus, Relation
from households.history import SYSTEM_USER, household_history
from households.models import Fact, Member, MemberYear, Survey, YearlyIncome
from tests import factories as f


def save(obj, *, by=None, reason=None):
    obj._history_user = by
    if reason:
        obj._change_reason = reason
    obj.save()


def entries_about(household, subject):
    return [entry for entry in household_history(household) if entry.subject == subject]


@pytest.mark.django_db
class TestHouseholdHistory:
    def test_a_save_records_who_when_and_old_to_new_values(self, county_user, household_a):
        household_a.status = HouseholdStatus.EXITED
        household_a.exit_year = 2018
        household_a.safe_water = None
        save(household_a, by=county_user, reason="2018年脱贫退出")
        latest = household_history(household_a)[0]
        assert (latest.subject, latest.kind, latest.who, latest.reason) == (
            "户信息",
            "修改",
            county_user.display_name,
            "2018年脱贫退出",
        )
        changes = {(c.label, c.old, c.new) for c in latest.changes}
        assert changes == {("户状态", "未脱贫", "已脱贫"), ("脱贫年度", "—", "2018"), ("饮水安全", "是", "未知")}

    def test_the_author_is_shown_by_full_name_when_known(self, household_a):
        clerk = f.make_user("clerk", "township", household_a.area, full_name="王专干")
        household_a.phone = "13900000000"
        save(household_a, by=clerk)
        assert household_history(household_a)[0].who == "王专干"

    def test_without_a_user_the_author_is_the_system(self, household_a):
        household_a.phone = "13900000000"
        save(household_a)
        assert household_history(household_a)[0].who == SYSTEM_USER

    def test_creation_of_everything_is_listed_newest_first(self, household_a):
        history = household_history(household_a)
        assert [e.kind for e in history] == ["新增"] * 5
        assert history[-1].subject == "户信息"
        assert history[0].subject == "2018年度收入"
        assert [e.when for e in history] == sorted((e.when for e in history), reverse=True)

    def test_saves_that_change_nothing_readable_are_left_out(self, household_a):
        household_a.version += 1
        save(household_a)
        save(household_a)
        assert [e.kind for e in entries_about(household_a, "户信息")] == ["新增"]

    def test_choice_codes_area_and_other_causes_read_as_labels(self, county_user, household_a, areas):
        household_a.area = areas[f.GROUP_A2]
        household_a.other_causes = "01,05"
        save(household_a, by=county_user)
        changes = {c.label: (c.old, c.new) for c in household_history(household_a)[0].changes}
        assert changes["所在村组"] == ("箐口村 箐口一组", "石羊村 石羊一组")
        assert changes["其他致贫原因"] == ("—", "因病、缺土地")
        assert "区划代码" not in changes

    def test_member_id_number_changes_are_masked(self, county_user, household_a):
        member = household_a.members.get(relation=Relation.SON)
        old = member.id_number
        member.id_number = f.next_id_number(member.birth_date)
        member.relation = Relation.DAUGHTER
        save(member, by=county_user, reason="更正证件号码")
        entry = entries_about(household_a, f"成员 {member.name}")[0]
        changes = {c.label: (c.old, c.new) for c in entry.changes}
        assert changes["证件号码"] == (old[:6] + "********" + old[-4:], member.masked_id_number)
        assert changes["与户主关系"] == ("之子", "之女")
        assert entry.reason == "更正证件号码"

    def test_incomes_facts_member_years_and_surveys_have_their_own_subjects(self, county_user, household_a):
        member = household_a.members.get(relation=Relation.SON)
        income = household_a.incomes.get()
        income.wage = Decimal("7000.50")
        save(income, by=county_user)
        Fact.objects.create(household=household_a, member=member, kind=FactKind.VEHICLE, amount=Decimal("50000"))
        Fact.objects.create(household=household_a, kind=FactKind.DIBAO)
        year = MemberYear.objects.create(member=member, year=2018, schooling_status="01")
        year.schooling_status = "07"
        save(year)
        Survey.objects.create(
            household=household_a, income_year=2018, surveyed_on=datetime.date(2018, 9, 1), surveyor="赵"
        )
        subjects = [e.subject for e in household_history(household_a)]
        assert "实地调查 2018-09-01" in subjects
        assert f"成员 {member.name} 2018年度情况" in subjects
        assert "事实：享受低保" in subjects
        assert f"事实：机动车（{member.name}）" in subjects
        wage = entries_about(household_a, "2018年度收入")[0]
        assert [(c.label, c.old, c.new) for c in wage.changes] == [("工资性收入", "6000.00", "7000.50")]
        schooling = entries_about(household_a, f"成员 {member.name} 2018年度情况")[0]
        assert [(c.old, c.new) for c in schooling.changes] == [("非在校生", "高中一年级")]

    def test_a_deletion_is_recorded(self, household_a):
        household_a.incomes.get().delete()
        assert entries_about(household_a, "2018年度收入")[0].kind == "删除"

    def test_bulk_writes_through_the_history_helpers_appear(self, county_user, household_a):
        incomes = [YearlyIncome(household=household_a, year=2016, wage=Decimal("100"))]
        bulk_create_with_history(incomes, YearlyIncome, default_user=county_user, default_change_reason="导入花名册")
        members = list(household_a.members.all())
        for member in members:
            member.pension_insurance = True
        bulk_update_with_history(
            members, Member, ["pension_insurance"], default_user=county_user, default_change_reason="审批通过"
        )
        created = entries_about(household_a, "2016年度收入")[0]
        assert (created.kind, created.who, created.reason) == ("新增", county_user.display_name, "导入花名册")
        updated = [e for e in household_history(household_a) if e.reason == "审批通过"]
        assert len(updated) == 3
        assert all([(c.label, c.old, c.new) for c in e.changes] == [("养老保险", "未知", "是")] for e in updated)

    def test_a_member_moved_to_another_household_shows_in_both(self, county_user, household_a, household_b):
        member = household_a.members.get(relation=Relation.SON)
        member.household = household_b
        save(member, by=county_user, reason="户间转移")
        subject = f"成员 {member.name}"
        for household in (household_a, household_b):
            move = entries_about(household, subject)[0]
            assert [(c.label, c.old, c.new) for c in move.changes] == [("所在户", "HH-A-0001", "HH-B-0001")]
            assert move.reason == "户间转移"
        member.ethnicity = "彝族"
        save(member, by=county_user)
        # B: the move in and the later change; A: the creation and the move out, not what happened in B.
        assert [e.kind for e in entries_about(household_b, subject)] == ["修改", "修改"]
        assert entries_about(household_b, subject)[0].changes[0].label == "民族"
        assert [e.kind for e in entries_about(household_a, subject)] == ["修改", "新增"]

    def test_a_moved_members_schooling_follows_the_member(self, household_a, household_b):
        member = household_a.members.get(relation=Relation.SON)
        MemberYear.objects.create(member=member, year=2017, schooling_status="01")
        member.household = household_b
        save(member)
        MemberYear.objects.create(member=member, year=2018, schooling_status="01")
        subjects_a = [e.subject for e in household_history(household_a)]
        subjects_b = [e.subject for e in household_history(household_b)]
        assert f"成员 {member.name} 2017年度情况" in subjects_a
        assert f"成员 {member.name} 2018年度情况" not in subjects_a
        assert f"成员 {member.name} 2018年度情况" in subjects_b

    def test_an_update_without_an_earlier_record_says_it_cannot_compare(self, household_a):
        member = household_a.members.get(relation=Relation.SON)
        member.history.all().delete()
        member.name = "改名"
        save(member)
        entry = entries_about(household_a, "成员 改名")[0]
        assert (entry.kind, entry.changes) == ("修改", None)

    def test_query_count_is_fixed(self, county_user, household_a, household_b):
        def count(household):
            with CaptureQueriesContext(connection) as captured:
                household_history(household)
            return len(captured)

        for i in range(10):
            household_b.phone = str(i)
            save(household_b, by=county_user)
            income = household_b.incomes.get()
            income.wage += 1
            save(income, by=county_user)
            Fact.objects.create(household=household_b, kind=FactKind.SUPPORT_MEASURE, created_by=county_user)
        Fact.objects.create(household=household_a, kind=FactKind.SUPPORT_MEASURE, created_by=county_user)
        assert count(household_a) == count(household_b) <= 10


@pytest.mark.django_db
class TestHistoryOnThePage:
    def test_the_page_shows_the_history_table(self, client_for, county_user, household_a):
        household_a.phone = "13800000000"
        save(household_a, by=county_user, reason="电话更新")
        text = client_for(county_user).get(f"/households/{household_a.number}/").text
        assert "变更记录" in text
        assert "<del>—</del> → <ins>13800000000</ins>" in text
        assert "电话更新" in text

    def test_only_the_most_recent_entries_are_shown_with_a_note(
        self, client_for, county_user, household_a, monkeypatch
    ):
        monkeypatch.setattr(dossier, "HISTORY_LIMIT", 3)
        response = client_for(county_user).get(f"/households/{household_a.number}/")
        assert len(response.context["dossier"].history) == 3
        assert "仅显示最近 3 条变更记录，更早的 2 条未显示" in response.text
