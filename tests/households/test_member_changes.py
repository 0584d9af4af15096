"""Natural member changes (SPEC §7): add, reduce, transfer; services and the three pages."""

import datetime
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from households import services
from households.choices import (
    FactKind,
    HouseholdStatus,
    MemberAddReason,
    MemberChangeKind,
    MemberReduceReason,
    Relation,
)
from households.models import Fact, Household, Member, MemberChange, MemberYear
from households.services import ChangeRefused, add_member, reduce_member, transfer_member
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)
BABY_BIRTH = datetime.date(2025, 2, 20)


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


def member_data(**overrides):
    data = {
        "name": "李小花",
        "id_number": f.next_id_number(BABY_BIRTH, "2"),
        "relation": Relation.DAUGHTER,
        "ethnicity": "彝族",
        "education": "06",
        "schooling_status": "01",
        "chronic_disease": False,
        "serious_disease": False,
        "disabled": False,
        "shares_income": True,
    }
    data.update(overrides)
    return data


def head_of(household):
    return household.members.get(relation=Relation.HEAD, is_active=True)


def non_head(household):
    return household.members.filter(is_active=True).exclude(relation=Relation.HEAD).first()


def snapshot(*households):
    """Everything a change may touch, to prove a refused or failed change touched nothing."""
    rows = []
    for household in households:
        household.refresh_from_db()
        members = household.members.order_by("pk")
        rows.append(
            (
                household.version,
                [(m.pk, m.household_id, m.relation, m.is_active, m.removed_reason) for m in members],
                list(Fact.objects.filter(household=household).values_list("pk", flat=True)),
                MemberChange.objects.filter(household=household).count(),
            )
        )
    return rows, Member.history.count(), Fact.history.count()


# --- add_member ---------------------------------------------------------------------------------


def test_add_member_derives_sex_and_birth_and_records_change_and_history(household_a, township_a_user):
    version = household_a.version
    data = member_data()
    member = add_member(
        household_a,
        member_data=data,
        reason=MemberAddReason.BIRTH,
        changed_on=DAY,
        note="户口已登记",
        by=township_a_user,
    )
    assert (member.household, member.sex, member.birth_date, member.is_active) == (household_a, "2", BABY_BIRTH, True)
    change = MemberChange.objects.get(member=member)
    assert (change.kind, change.reason, change.changed_on, change.note) == ("add", "birth", DAY, "户口已登记")
    assert change.created_by == township_a_user and change.reason_label == "新生儿"
    history = Member.history.get(id=member.pk)
    assert history.history_change_reason == "自然增加：新生儿（2025-03-01）"
    assert history.history_user == township_a_user
    household_a.refresh_from_db()
    assert household_a.version == version + 1


def test_added_member_gets_a_schooling_row_for_the_latest_income_year(household_a, township_a_user):
    member = add_member(
        household_a, member_data=member_data(), reason="birth", changed_on=DAY, note="", by=township_a_user
    )
    assert list(MemberYear.objects.filter(member=member).values_list("year", "schooling_status")) == [(2018, "01")]


def test_id_number_active_in_another_household_is_refused_naming_it(household_a, household_b, township_a_user):
    taken = head_of(household_b).id_number
    before = snapshot(household_a, household_b)
    with pytest.raises(ChangeRefused) as refused:
        add_member(
            household_a,
            member_data=member_data(id_number=taken),
            reason="married_in",
            changed_on=DAY,
            by=township_a_user,
        )
    assert "HH-B-0001" in refused.value.message and refused.value.field == "id_number"
    assert snapshot(household_a, household_b) == before


def test_id_number_of_a_removed_member_may_be_registered_again(household_a, household_b, township_a_user):
    gone = non_head(household_b)
    reduce_member(gone, reason="moved_out", changed_on=DAY, by=township_a_user)
    back = add_member(
        household_a,
        member_data=member_data(id_number=gone.id_number, name=gone.name),
        reason="moved_in",
        changed_on=DAY,
        by=township_a_user,
    )
    assert back.pk != gone.pk and Member.objects.filter(id_number=gone.id_number).count() == 2


def test_a_second_head_cannot_be_added(household_a, township_a_user):
    with pytest.raises(ChangeRefused, match="已有户主"):
        add_member(
            household_a,
            member_data=member_data(relation=Relation.HEAD),
            reason="moved_in",
            changed_on=DAY,
            by=township_a_user,
        )


def test_transfer_in_is_not_an_add_reason(household_a, township_a_user):
    with pytest.raises(ChangeRefused) as refused:
        add_member(
            household_a,
            member_data=member_data(),
            reason=MemberAddReason.TRANSFER_IN,
            changed_on=DAY,
            by=township_a_user,
        )
    assert refused.value.field == "reason"


def test_change_date_before_birth_is_refused(household_a, township_a_user):
    with pytest.raises(ChangeRefused, match="出生日期"):
        add_member(
            household_a,
            member_data=member_data(),
            reason="birth",
            changed_on=BABY_BIRTH - datetime.timedelta(days=1),
            by=township_a_user,
        )


@pytest.mark.parametrize("change", ["add", "reduce", "transfer"])
def test_future_date_is_refused(change, household_a, household_b, county_user):
    before = snapshot(household_a, household_b)
    member = non_head(household_a)
    with pytest.raises(ChangeRefused, match="不能晚于今天"):
        if change == "add":
            add_member(household_a, member_data=member_data(), reason="birth", changed_on=tomorrow(), by=county_user)
        elif change == "reduce":
            reduce_member(member, reason="death", changed_on=tomorrow(), by=county_user)
        else:
            transfer_member(
                member, to_household=household_b, relation=Relation.OTHER, changed_on=tomorrow(), by=county_user
            )
    assert snapshot(household_a, household_b) == before


# --- reduce_member ------------------------------------------------------------------------------


def test_reduce_keeps_the_member_row_marked_removed(household_a, township_a_user):
    member = non_head(household_a)
    count = Member.objects.count()
    change = reduce_member(member, reason=MemberReduceReason.DEATH, changed_on=DAY, note="病故", by=township_a_user)
    member.refresh_from_db()
    assert (member.is_active, member.removed_reason, member.removed_on) == (False, "death", DAY)
    assert Member.objects.count() == count
    assert (change.kind, change.reason, change.household, change.note) == ("reduce", "death", household_a, "病故")
    latest = Member.history.filter(id=member.pk).latest("history_id")
    assert latest.history_change_reason == "自然减少：死亡（2025-03-01）"
    assert latest.history_user == township_a_user


def test_reducing_the_head_requires_a_new_head(household_a, township_a_user):
    head = head_of(household_a)
    before = snapshot(household_a)
    with pytest.raises(ChangeRefused) as refused:
        reduce_member(head, reason="death", changed_on=DAY, by=township_a_user)
    assert refused.value.field == "new_head"
    assert snapshot(household_a) == before


def test_new_head_must_be_an_active_member_of_the_same_household(household_a, household_b, township_a_user):
    head = head_of(household_a)
    stranger = non_head(household_b)
    with pytest.raises(ChangeRefused, match="本户其他在册成员"):
        reduce_member(head, reason="death", changed_on=DAY, by=township_a_user, new_head=stranger)


def test_reducing_the_head_makes_the_chosen_member_head(household_a, township_a_user):
    head, spouse = head_of(household_a), household_a.members.get(relation=Relation.SPOUSE)
    reduce_member(head, reason="death", changed_on=DAY, by=township_a_user, new_head=spouse)
    spouse.refresh_from_db()
    assert spouse.relation == Relation.HEAD
    promoted = Member.history.filter(id=spouse.pk).latest("history_id")
    assert promoted.history_change_reason.startswith("户主变更：") and spouse.name in promoted.history_change_reason
    assert list(household_a.members.active().filter(relation=Relation.HEAD)) == [spouse]


def test_new_head_is_only_for_reducing_the_head(household_a, township_a_user):
    member, other = household_a.members.filter(is_active=True).exclude(relation=Relation.HEAD)[:2]
    with pytest.raises(ChangeRefused):
        reduce_member(member, reason="death", changed_on=DAY, by=township_a_user, new_head=other)


def test_reducing_the_last_active_member_is_allowed(areas, township_a_user):
    single = f.make_household(areas[f.GROUP_A1], members=1)
    reduce_member(head_of(single), reason="death", changed_on=DAY, by=township_a_user)
    assert not single.members.active().exists()
    assert single.members.count() == 1


def test_a_removed_member_cannot_be_reduced_twice(household_a, township_a_user):
    member = non_head(household_a)
    reduce_member(member, reason="death", changed_on=DAY, by=township_a_user)
    with pytest.raises(ChangeRefused, match="已不是在册成员"):
        reduce_member(member, reason="death", changed_on=DAY, by=township_a_user)


def test_transfer_out_is_not_a_reduce_reason(household_a, township_a_user):
    with pytest.raises(ChangeRefused):
        reduce_member(non_head(household_a), reason="transfer_out", changed_on=DAY, by=township_a_user)


# --- transfer_member ----------------------------------------------------------------------------


def test_transfer_moves_the_member_with_its_facts_and_links_both_changes(household_a, areas, township_a_user):
    target = f.make_household(areas[f.GROUP_A2], number="HH-A-0002")
    member = non_head(household_a)
    fact = Fact.objects.create(household=household_a, member=member, kind=FactKind.VILLAGE_CADRE)
    household_fact = Fact.objects.create(household=household_a, kind=FactKind.DIBAO)
    versions = household_a.version, target.version
    count = Member.objects.count()

    out, into = transfer_member(
        member, to_household=target, relation=Relation.SON_IN_LAW, changed_on=DAY, note="入赘", by=township_a_user
    )

    member.refresh_from_db()
    assert (member.household, member.relation, member.is_active) == (target, Relation.SON_IN_LAW, True)
    assert Member.objects.count() == count
    assert (out.household, out.kind, out.reason) == (household_a, MemberChangeKind.REDUCE, "transfer_out")
    assert (into.household, into.kind, into.reason) == (target, MemberChangeKind.ADD, "transfer_in")
    out.refresh_from_db()
    into.refresh_from_db()
    assert out.linked == into and into.linked == out
    assert out.member == into.member == member and out.note == into.note == "入赘"
    moved = Member.history.filter(id=member.pk).latest("history_id")
    assert moved.history_change_reason == "户间转移：由 HH-A-0001 转出至 HH-A-0002（2025-03-01）"
    assert moved.history_user == township_a_user
    fact.refresh_from_db()
    household_fact.refresh_from_db()
    assert fact.household == target and household_fact.household == household_a
    assert Fact.history.filter(id=fact.pk).latest("history_id").history_change_reason.startswith("户间转移")
    household_a.refresh_from_db()
    target.refresh_from_db()
    assert (household_a.version, target.version) == (versions[0] + 1, versions[1] + 1)


def test_transfer_is_all_or_nothing(household_a, areas, township_a_user):
    target = f.make_household(areas[f.GROUP_A2], number="HH-A-0002")
    member = non_head(household_a)
    Fact.objects.create(household=household_a, member=member, kind=FactKind.VILLAGE_CADRE)
    before = snapshot(household_a, target)
    real_record_change = services.record_change

    def fail_on_the_target_side(*args, linked=None, **kwargs):
        if linked is not None:
            raise DatabaseError("disk full")
        return real_record_change(*args, linked=linked, **kwargs)

    with mock.patch.object(services, "record_change", side_effect=fail_on_the_target_side):
        with pytest.raises(DatabaseError):
            transfer_member(member, to_household=target, relation=Relation.OTHER, changed_on=DAY, by=township_a_user)

    assert snapshot(household_a, target) == before


def test_transfer_to_a_household_outside_the_scope_is_refused(household_a, household_b, township_a_user):
    before = snapshot(household_a, household_b)
    with pytest.raises(ChangeRefused, match="不在您的管辖范围内"):
        transfer_member(
            non_head(household_a), to_household=household_b, relation=Relation.OTHER, changed_on=DAY, by=township_a_user
        )
    assert snapshot(household_a, household_b) == before


def test_county_office_may_transfer_between_townships(household_a, household_b, county_user):
    member = non_head(household_a)
    transfer_member(member, to_household=household_b, relation=Relation.OTHER, changed_on=DAY, by=county_user)
    member.refresh_from_db()
    assert member.household == household_b


def test_transfer_to_the_same_household_is_refused(household_a, township_a_user):
    with pytest.raises(ChangeRefused, match="相同"):
        transfer_member(
            non_head(household_a), to_household=household_a, relation=Relation.OTHER, changed_on=DAY, by=township_a_user
        )


def test_transfer_to_a_removed_household_is_refused(household_a, areas, township_a_user):
    removed = f.make_household(areas[f.GROUP_A2], status=HouseholdStatus.REMOVED)
    before = snapshot(household_a, removed)
    with pytest.raises(ChangeRefused, match="已清退"):
        transfer_member(
            non_head(household_a), to_household=removed, relation=Relation.OTHER, changed_on=DAY, by=township_a_user
        )
    assert snapshot(household_a, removed) == before


def test_transfer_as_head_into_a_household_that_has_one_is_refused(household_a, areas, township_a_user):
    target = f.make_household(areas[f.GROUP_A2])
    with pytest.raises(ChangeRefused, match="已有户主"):
        transfer_member(
            non_head(household_a), to_household=target, relation=Relation.HEAD, changed_on=DAY, by=township_a_user
        )


def test_transferring_the_head_requires_a_new_head(household_a, areas, township_a_user):
    target = f.make_household(areas[f.GROUP_A2])
    head, spouse = head_of(household_a), household_a.members.get(relation=Relation.SPOUSE)
    before = snapshot(household_a, target)
    with pytest.raises(ChangeRefused) as refused:
        transfer_member(head, to_household=target, relation=Relation.FATHER, changed_on=DAY, by=township_a_user)
    assert refused.value.field == "new_head"
    assert snapshot(household_a, target) == before

    transfer_member(
        head, to_household=target, relation=Relation.FATHER, changed_on=DAY, by=township_a_user, new_head=spouse
    )
    spouse.refresh_from_db()
    assert spouse.relation == Relation.HEAD


# --- pages --------------------------------------------------------------------------------------


def add_url(household):
    return reverse("households:member_add", args=[household.number])


def reduce_url(member):
    return reverse("households:member_reduce", args=[member.household.number, member.pk])


def transfer_url(member):
    return reverse("households:member_transfer", args=[member.household.number, member.pk])


def detail_url(household):
    return reverse("households:detail", args=[household.number])


def add_post(**overrides):
    data = {
        "reason": "birth",
        "changed_on": "2025-03-01",
        "note": "",
        "name": "李小花",
        "id_number": f.next_id_number(BABY_BIRTH, "2"),
        "relation": Relation.DAUGHTER,
        "ethnicity": "汉族",
        "education": "06",
        "schooling_status": "01",
        "migrant_work": "00",
        "medical_insurance": "true",
        "serious_illness_insurance": "unknown",
        "pension_insurance": "unknown",
        "family_doctor": "unknown",
        "shares_income": "on",
    }
    data.update(overrides)
    return data


def page_urls(household):
    member = non_head(household)
    return [add_url(household), reduce_url(member), transfer_url(member)]


@pytest.mark.parametrize("page", [0, 1, 2])
def test_page_shows_household_summary(page, client_for, village_user, household_a):
    head = head_of(household_a)
    response = client_for(village_user).get(page_urls(household_a)[page])
    assert response.status_code == 200
    assert "HH-A-0001" in response.text and head.name in response.text and "箐口村" in response.text


@pytest.mark.parametrize("page", [0, 1, 2])
def test_other_township_gets_404(page, client_for, township_b_user, household_a):
    assert client_for(township_b_user).get(page_urls(household_a)[page]).status_code == 404


@pytest.mark.parametrize("persona", ["leader_user", "assessor_user", "police_user"])
@pytest.mark.parametrize("page", [0, 1, 2])
def test_read_only_and_department_roles_get_403(page, persona, request, client_for, household_a):
    user = request.getfixturevalue(persona)
    before = snapshot(household_a)
    url = page_urls(household_a)[page]
    client = client_for(user)
    assert client.get(url).status_code == 403
    assert client.post(url, add_post()).status_code == 403
    assert snapshot(household_a) == before


@pytest.mark.parametrize("page", [0, 1, 2])
def test_anonymous_is_sent_to_login(page, client, household_a):
    url = page_urls(household_a)[page]
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", [0, 1, 2])
def test_other_methods_get_405(page, client_for, township_a_user, household_a):
    assert client_for(township_a_user).put(page_urls(household_a)[page]).status_code == 405


def test_member_of_another_household_gets_404(client_for, county_user, household_a, household_b):
    stranger = non_head(household_b)
    client = client_for(county_user)
    url = reverse("households:member_reduce", args=[household_a.number, stranger.pk])
    assert client.get(url).status_code == 404
    url = reverse("households:member_transfer", args=[household_a.number, stranger.pk])
    assert client.get(url).status_code == 404


def test_removed_member_gets_404(client_for, township_a_user, household_a):
    member = non_head(household_a)
    reduce_member(member, reason="death", changed_on=DAY, by=township_a_user)
    assert client_for(township_a_user).get(reduce_url(member)).status_code == 404


def test_add_page_adds_and_redirects_to_the_household(client_for, township_a_user, household_a):
    data = add_post(name="王新")
    response = client_for(township_a_user).post(add_url(household_a), data)
    assert response.status_code == 302 and response.url == detail_url(household_a)
    member = household_a.members.get(name="王新")
    assert member.id_number == data["id_number"] and member.medical_insurance is True
    assert member.serious_illness_insurance is None and member.shares_income is True
    assert MemberChange.objects.filter(member=member, kind="add", reason="birth").exists()
    assert Member.history.get(id=member.pk).history_user == township_a_user


def test_add_page_with_errors_rerenders_in_chinese_and_keeps_input(client_for, township_a_user, household_a):
    before = snapshot(household_a)
    data = add_post(id_number="53011320250220000", reason="", name="王新")
    response = client_for(township_a_user).post(add_url(household_a), data)
    assert response.status_code == 200
    assert "证件号码应为18位" in response.text and "这个字段是必填项" in response.text
    assert 'value="王新"' in response.text
    assert snapshot(household_a) == before


def test_add_page_names_the_household_holding_the_id_number(client_for, county_user, household_a, household_b):
    before = snapshot(household_a, household_b)
    taken = head_of(household_b).id_number
    response = client_for(county_user).post(add_url(household_a), add_post(id_number=taken))
    assert response.status_code == 200
    assert "HH-B-0001" in response.text
    assert snapshot(household_a, household_b) == before


def test_add_page_refuses_a_future_date(client_for, township_a_user, household_a):
    before = snapshot(household_a)
    response = client_for(township_a_user).post(add_url(household_a), add_post(changed_on=tomorrow().isoformat()))
    assert response.status_code == 200 and "变更日期不能晚于今天" in response.text
    assert snapshot(household_a) == before


def test_reduce_page_reduces_and_redirects(client_for, village_user, household_a):
    member = non_head(household_a)
    response = client_for(village_user).post(
        reduce_url(member), {"reason": "married_out", "changed_on": "2025-03-01", "note": "嫁到外县"}
    )
    assert response.status_code == 302 and response.url == detail_url(household_a)
    member.refresh_from_db()
    assert (member.is_active, member.removed_reason) == (False, "married_out")
    assert MemberChange.objects.get(member=member).note == "嫁到外县"


def test_reduce_page_without_reason_changes_nothing(client_for, village_user, household_a):
    before = snapshot(household_a)
    response = client_for(village_user).post(reduce_url(non_head(household_a)), {"changed_on": "2025-03-01"})
    assert response.status_code == 200 and "这个字段是必填项" in response.text
    assert snapshot(household_a) == before


def test_reduce_page_for_the_head_asks_for_a_new_head(client_for, township_a_user, household_a):
    head = head_of(household_a)
    client = client_for(township_a_user)
    assert 'name="new_head"' in client.get(reduce_url(head)).text
    before = snapshot(household_a)
    response = client.post(reduce_url(head), {"reason": "death", "changed_on": "2025-03-01"})
    assert response.status_code == 200 and "须从本户其他在册成员中指定新户主" in response.text
    assert snapshot(household_a) == before
    spouse = household_a.members.get(relation=Relation.SPOUSE)
    response = client.post(reduce_url(head), {"reason": "death", "changed_on": "2025-03-01", "new_head": spouse.pk})
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.relation == Relation.HEAD


def test_reduce_page_warns_before_removing_the_last_member(client_for, township_a_user, areas):
    single = f.make_household(areas[f.GROUP_A1], members=1)
    response = client_for(township_a_user).get(reduce_url(head_of(single)))
    assert "最后一名在册成员" in response.text and 'name="new_head"' not in response.text


def test_transfer_page_transfers_and_redirects_to_the_source(client_for, township_a_user, household_a, areas):
    target = f.make_household(areas[f.GROUP_A2], number="HH-A-0002")
    member = non_head(household_a)
    response = client_for(township_a_user).post(
        transfer_url(member), {"to_number": " HH-A-0002 ", "relation": Relation.OTHER, "changed_on": "2025-03-01"}
    )
    assert response.status_code == 302 and response.url == detail_url(household_a)
    member.refresh_from_db()
    assert member.household == target
    assert MemberChange.objects.filter(member=member, linked__isnull=False).count() == 2


def test_transfer_page_cannot_find_households_outside_the_scope(client_for, township_a_user, household_a, household_b):
    before = snapshot(household_a, household_b)
    response = client_for(township_a_user).post(
        transfer_url(non_head(household_a)),
        {"to_number": "HH-B-0001", "relation": Relation.OTHER, "changed_on": "2025-03-01"},
    )
    assert response.status_code == 200
    assert "没有找到户编号为 HH-B-0001 的农户" in response.text
    assert snapshot(household_a, household_b) == before


def test_transfer_page_shows_a_refused_transfer_next_to_the_field(client_for, township_a_user, household_a, areas):
    removed = f.make_household(areas[f.GROUP_A2], status=HouseholdStatus.REMOVED, number="HH-A-0009")
    before = snapshot(household_a, removed)
    response = client_for(township_a_user).post(
        transfer_url(non_head(household_a)),
        {"to_number": "HH-A-0009", "relation": Relation.OTHER, "changed_on": "2025-03-01"},
    )
    assert response.status_code == 200 and "已清退" in response.text
    assert snapshot(household_a, removed) == before
    assert Household.objects.get(pk=removed.pk).members.count() == 3
