"""Saving the survey form (实地调查表) in one transaction (SPEC §2, §5 stage 2, §9).

Every write is a normal ``save()`` so that django-simple-history keeps who changed what, when.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.forms.models import construct_instance
from django.utils import timezone

from .models import Household, Member, MemberYear, Survey, User, YearlyIncome

SCHOOLING_FIELDS = ("schooling_status", "dropout_reason", "heavy_study_burden")


class SurveyConflict(Exception):
    """Someone else saved the household after this form was loaded (optimistic locking)."""

    def __init__(self, *, current_version: int, changed_by: str, changed_at: datetime.datetime | None):
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        when = f"，{timezone.localtime(self.changed_at):%Y-%m-%d %H:%M}" if self.changed_at else ""
        return (
            f"保存失败：该户信息已被他人修改（最后修改：{self.changed_by}{when}）。"
            "您填写的内容仍保留在本页，请核对后重新提交。"
        )

    @classmethod
    def for_household(cls, household_id: int) -> SurveyConflict:
        """Who saved last: the household's latest history record, or a member's (a natural change bumps the
        household's version without a household history record)."""
        version = Household.objects.filter(pk=household_id).values_list("version", flat=True).first() or 0
        candidates = [
            Household.history.filter(id=household_id),
            Member.history.filter(household_id=household_id),
        ]
        records = [qs.select_related("history_user").order_by("-history_date").first() for qs in candidates]
        record = max((r for r in records if r is not None), key=lambda r: r.history_date, default=None)
        user = record.history_user if record else None
        return cls(
            current_version=version,
            changed_by=user.display_name if user else "未知用户",
            changed_at=record.history_date if record else None,
        )


class DuplicateEntry(Exception):
    """A unique constraint fired in the database although the form checks passed (a race)."""

    def __init__(self, what: str):
        self.what = what  # "id_number" or "household_number"
        super().__init__(what)


def save_survey(*, household_form, member_formset, income_form, signature_form, user: User) -> Household:
    """Write one survey visit: household, active members, the year's income and schooling, the visit.

    Raises SurveyConflict when the household changed since the form was loaded, DuplicateEntry
    when a concurrent save took a member's ID number or the household number first.
    """
    forms = [household_form, *member_formset.forms]
    new_instances = [form.instance for form in forms if form.instance.pk is None]
    try:
        with transaction.atomic():
            household = _save_household(household_form, user)
            year = income_form.cleaned_data["year"]
            latest_year = not household.incomes.filter(year__gt=year).exists()
            _save_income(household, year, income_form.cleaned_data, user)
            _save_members(household, member_formset, year, latest_year, user)
            _save_visit(household, year, signature_form.cleaned_data, user)
    except IntegrityError as error:
        for instance in new_instances:  # the rollback left their primary keys behind
            instance.pk = None
            instance._state.adding = True
        raise DuplicateEntry(_violated(error)) from error
    return household


def _violated(error: IntegrityError) -> str:
    text = str(error)
    if "member_unique_active_id_number" in text or "households_member.id_number" in text:
        return "id_number"
    if "households_household_number" in text or "households_household.number" in text:
        return "household_number"
    raise error


def _save_household(form, user: User) -> Household:
    household = form.instance
    if household.pk is not None:
        posted = form.cleaned_data["version"]
        if not Household.objects.filter(pk=household.pk, version=posted).update(version=posted + 1):
            raise SurveyConflict.for_household(household.pk)
        # Work on the row as it is now (its fields outside the form may have changed), not as it was loaded.
        household = Household.objects.select_related("area").get(pk=household.pk)
        construct_instance(form, household, fields=form._meta.fields)
    household.registration_year = household.registered_on.year if household.registered_on else None
    household._history_user = user
    household.save()
    return household


def _save_changed(instance, values: dict, user: User) -> None:
    """Save a new row, or an existing one only when a value differs (no empty history entries)."""
    changed = instance.pk is None
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if changed:
        instance._history_user = user
        instance.save()


def _save_income(household: Household, year: int, data: dict, user: User) -> None:
    income = YearlyIncome.objects.filter(household=household, year=year).first()
    income = income or YearlyIncome(household=household, year=year)
    fields = [f for f in data if f != "year"]
    _save_changed(income, {name: data[name] for name in fields}, user)


def _save_members(household: Household, formset, year: int, latest_year: bool, user: User) -> None:
    existing = {row.member_id: row for row in MemberYear.objects.filter(member__household=household, year=year)}
    for form in formset.present_forms():
        member: Member = form.save(commit=False)
        schooling = {name: form.cleaned_data[name] for name in SCHOOLING_FIELDS}
        changed = set(form.changed_data)
        if not latest_year:
            changed -= set(SCHOOLING_FIELDS)
        if member.pk is None or changed:
            member.household = household
            member.sex = form.id_info.sex
            member.birth_date = form.id_info.birth_date
            for name, value in form.health_flags().items():
                setattr(member, name, value)
            if latest_year:  # the member row carries the schooling of the latest income year
                for name, value in schooling.items():
                    setattr(member, name, value)
            member._history_user = user
            member.save()
        row = existing.get(member.pk) or MemberYear(member=member, year=year)
        _save_changed(row, schooling, user)


def _save_visit(household: Household, year: int, data: dict, user: User) -> None:
    visit = Survey.objects.filter(household=household, surveyed_on=data["surveyed_on"]).order_by("-id").first()
    if visit is None:
        visit = Survey(household=household, created_by=user)
    _save_changed(visit, {"income_year": year, **data}, user)
