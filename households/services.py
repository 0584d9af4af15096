"""Natural member changes (自然变更, SPEC §7): add, reduce, and transfer between two households.

Each function runs in one transaction, writes through ``.save()`` so that django-simple-history
records every row it touches with the acting user and a Chinese reason, and leaves a
``MemberChange`` row. Members are never deleted. A change the registry cannot take raises
``ChangeRefused``, which views show next to the form field it names.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from .choices import HouseholdStatus, MemberAddReason, MemberChangeKind, MemberReduceReason, Relation
from .idnumber import parse_id_number
from .models import Fact, Household, Member, MemberChange, MemberYear, User, YearlyIncome

# Transfers have their own pair of reasons, written only by transfer_member().
ADD_REASONS = {value: label for value, label in MemberAddReason.choices if value != MemberAddReason.TRANSFER_IN}
REDUCE_REASONS = {
    value: label for value, label in MemberReduceReason.choices if value != MemberReduceReason.TRANSFER_OUT
}


class ChangeRefused(Exception):
    """A change the registry cannot take; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def find_active_member(id_number: str, *, exclude_pk: int | None = None) -> Member | None:
    """The active member carrying ``id_number`` anywhere in the system (SPEC §2: unique among active members)."""
    qs = Member.objects.active().filter(id_number=id_number).select_related("household")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def duplicate_id_message(existing: Member, household: Household | None = None) -> str:
    if household is not None and existing.household_id == household.pk:
        return f"证件号码已是本户在册成员（{existing.name}）的号码"
    return f"证件号码已在户编号 {existing.household.number} 中登记为在册成员（{existing.name}），请先办理迁出或户间转移"


def add_member(
    household: Household,
    *,
    member_data: dict[str, Any],
    reason: str,
    changed_on: datetime.date,
    note: str = "",
    by: User,
) -> Member:
    """Add a member (新生儿, 嫁入, 迁入, 其他); sex and birth date come from the ID number."""
    check_reason(reason, ADD_REASONS)
    check_date(changed_on)
    data = dict(member_data)
    try:
        info = parse_id_number(data.pop("id_number", ""), today=timezone.localdate())
    except ValidationError as error:
        raise ChangeRefused(error.messages[0], field="id_number") from None
    if info.birth_date > changed_on:
        raise ChangeRefused("变更日期不能早于该成员的出生日期", field="changed_on")
    with transaction.atomic():
        household = lock_households(household)[0]
        existing = find_active_member(info.number)
        if existing is not None:
            raise ChangeRefused(duplicate_id_message(existing, household), field="id_number")
        if data.get("relation") == Relation.HEAD and household_head(household) is not None:
            raise ChangeRefused("该户已有户主，新增成员不能再登记为户主", field="relation")
        member = Member(household=household, id_number=info.number, sex=info.sex, birth_date=info.birth_date, **data)
        text = f"自然增加：{ADD_REASONS[reason]}（{changed_on:%Y-%m-%d}）"
        try:
            with transaction.atomic():
                save_with_history(member, by=by, reason=text)
        except IntegrityError:
            # Another clerk registered the same ID number a moment ago (member_unique_active_id_number).
            raise ChangeRefused("证件号码刚被登记为其他户的在册成员，请刷新后核对", field="id_number") from None
        record_schooling_year(member, by=by, reason=text)
        record_change(household, member, MemberChangeKind.ADD, reason, changed_on, note, by)
        bump_version(household)
    return member


def reduce_member(
    member: Member,
    *,
    reason: str,
    changed_on: datetime.date,
    note: str = "",
    by: User,
    new_head: Member | None = None,
) -> MemberChange:
    """Reduce a member (死亡, 嫁出, 出国定居, 判刑收监, 迁出, 其他): the row stays, marked removed."""
    check_reason(reason, REDUCE_REASONS)
    check_date(changed_on)
    with transaction.atomic():
        household = lock_households(member.household)[0]
        member.refresh_from_db()
        check_member_can_leave(member, changed_on)
        text = f"自然减少：{REDUCE_REASONS[reason]}（{changed_on:%Y-%m-%d}）"
        replace_head(member, new_head, by=by, because=f"原户主{member.name}{text}")
        member.is_active = False
        member.removed_reason = reason
        member.removed_on = changed_on
        save_with_history(member, by=by, reason=text)
        change = record_change(household, member, MemberChangeKind.REDUCE, reason, changed_on, note, by)
        bump_version(household)
    return change


def transfer_member(
    member: Member,
    *,
    to_household: Household,
    relation: str,
    changed_on: datetime.date,
    note: str = "",
    by: User,
    new_head: Member | None = None,
) -> tuple[MemberChange, MemberChange]:
    """Move a member to another registered household: a reduce there and an add here, linked, in one transaction.

    The member row itself moves (so its history follows it), with its member-level facts.
    """
    check_date(changed_on)
    if relation not in Relation.values:
        raise ChangeRefused("请选择在新户中与户主的关系", field="relation")
    source = member.household
    if to_household.pk == source.pk:
        raise ChangeRefused("目标户与当前户相同，不能转移", field="to_number")
    if not Household.objects.visible_to(by).filter(pk=to_household.pk).exists() or not by.can_edit_registry:
        raise ChangeRefused(f"没有找到户编号为 {to_household.number} 的农户，或不在您的管辖范围内", field="to_number")
    with transaction.atomic():
        source, target = lock_households(source, to_household)
        member.refresh_from_db()
        if member.household_id != source.pk:
            raise ChangeRefused(f"{member.name}已不在户编号 {source.number} 中，请刷新后重试")
        if target.status == HouseholdStatus.REMOVED:
            raise ChangeRefused(f"户编号 {target.number} 已清退，不能转入成员", field="to_number")
        check_member_can_leave(member, changed_on)
        if relation == Relation.HEAD and household_head(target) is not None:
            raise ChangeRefused(f"户编号 {target.number} 已有户主，请选择其他关系", field="relation")
        date = f"{changed_on:%Y-%m-%d}"
        replace_head(member, new_head, by=by, because=f"原户主{member.name}户间转移至 {target.number}（{date}）")
        out = record_change(
            source, member, MemberChangeKind.REDUCE, MemberReduceReason.TRANSFER_OUT, changed_on, note, by
        )
        member.household = target
        member.relation = relation
        save_with_history(member, by=by, reason=f"户间转移：由 {source.number} 转出至 {target.number}（{date}）")
        move_member_facts(member, source=source, target=target, by=by)
        into = record_change(
            target, member, MemberChangeKind.ADD, MemberAddReason.TRANSFER_IN, changed_on, note, by, linked=out
        )
        out.linked = into
        out.save(update_fields=["linked"])
        bump_version(source)
        bump_version(target)
    return out, into


# Helpers shared by the three changes.


def check_reason(reason: str, allowed: dict[str, str]) -> None:
    if reason not in allowed:
        raise ChangeRefused("请选择变更原因", field="reason")


def check_date(changed_on: datetime.date | None) -> None:
    if changed_on is None:
        raise ChangeRefused("请填写变更日期", field="changed_on")
    if changed_on > timezone.localdate():
        raise ChangeRefused("变更日期不能晚于今天", field="changed_on")


def check_member_can_leave(member: Member, changed_on: datetime.date) -> None:
    if not member.is_active:
        raise ChangeRefused(f"{member.name}已不是在册成员")
    if member.birth_date > changed_on:
        raise ChangeRefused("变更日期不能早于该成员的出生日期", field="changed_on")


def household_head(household: Household) -> Member | None:
    return household.members.active().filter(relation=Relation.HEAD).first()


def replace_head(member: Member, new_head: Member | None, *, by: User, because: str) -> None:
    """When the head leaves and others remain, one of them must become the head (DQ3: exactly one head)."""
    others = member.household.members.active().exclude(pk=member.pk)
    if member.relation != Relation.HEAD:
        if new_head is not None:
            raise ChangeRefused("只有户主减少或转出时才需要指定新户主", field="new_head")
        return
    if not others.exists():
        return
    if new_head is None:
        raise ChangeRefused("减少或转出户主时，须从本户其他在册成员中指定新户主", field="new_head")
    if not others.filter(pk=new_head.pk).exists():
        raise ChangeRefused("新户主必须是本户其他在册成员", field="new_head")
    new_head.refresh_from_db()
    new_head.relation = Relation.HEAD
    save_with_history(new_head, by=by, reason=f"户主变更：{because}，由{new_head.name}担任户主")


def move_member_facts(member: Member, *, source: Household, target: Household, by: User) -> None:
    for fact in Fact.objects.filter(member=member):
        fact.household = target
        save_with_history(fact, by=by, reason=f"户间转移：随成员{member.name}由 {source.number} 转至 {target.number}")


def record_schooling_year(member: Member, *, by: User, reason: str) -> None:
    """Schooling is kept per income year too (docs/decisions.md): start the new member's latest year."""
    year = (
        YearlyIncome.objects.filter(household=member.household).order_by("-year").values_list("year", flat=True).first()
    )
    if year is None:
        return
    row = MemberYear(
        member=member,
        year=year,
        schooling_status=member.schooling_status,
        dropout_reason=member.dropout_reason,
        heavy_study_burden=member.heavy_study_burden,
    )
    save_with_history(row, by=by, reason=reason)


def record_change(
    household: Household,
    member: Member,
    kind: str,
    reason: str,
    changed_on: datetime.date,
    note: str,
    by: User,
    *,
    linked: MemberChange | None = None,
) -> MemberChange:
    return MemberChange.objects.create(
        household=household,
        member=member,
        kind=kind,
        reason=reason,
        changed_on=changed_on,
        note=note or "",
        linked=linked,
        created_by=by,
    )


def save_with_history(instance: models.Model, *, by: User, reason: str) -> None:
    instance._history_user = by
    instance._change_reason = reason[:100]  # simple-history's change-reason column holds 100 characters
    instance.save()


def lock_households(*households: Household) -> list[Household]:
    """Re-read and lock the households (in primary-key order, so two transfers cannot deadlock)."""
    pks = [h.pk for h in households]
    locked = {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=pks).order_by("pk")}
    return [locked[pk] for pk in pks]


def bump_version(household: Household) -> None:
    """A member change makes an open survey form of the household stale (optimistic lock, SPEC §9)."""
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
