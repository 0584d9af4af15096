"""households.bulk_history writes the rows and the same history rows as django-simple-history's bulk helpers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from households import bulk_history
from households.models import Household, Member, YearlyIncome
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "导入花名册：roster.xlsx"
# Columns that differ by construction: the history row's own id and time, and the live row's id.
IGNORED = {"history_id", "history_date", "id"}


def household(area, number: str, **fields) -> Household:
    values = {
        "status": "poor",
        "registered_on": datetime.date(2014, 10, 1),
        "registration_year": 2014,
        "housing_area": Decimal("80.50"),
        "housing_grade": "B",
        "safe_water": True,
        "broadband": None,
        "address": "箐口村一组1号",
    }
    values.update(fields)
    instance = Household(number=number, area=area, **values)
    instance.copy_area_codes()
    return instance


def history_rows(model, **filters) -> list[dict]:
    rows = model.history.filter(**filters).order_by("history_id").values()
    return [{k: v for k, v in row.items() if k not in IGNORED} for row in rows]


def without(rows: list[dict], *names: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in names} for row in rows]


def test_created_rows_get_the_history_rows_simple_history_writes(areas, county_user):
    area = areas[f.GROUP_A1]
    bulk_create_with_history(
        [household(area, "HH-1"), household(area, "HH-2", broadband=False, exit_year=2018, status="exited")],
        Household,
        default_user=county_user,
        default_change_reason=REASON,
    )
    expected = history_rows(Household)
    Household.objects.all().delete()
    Household.history.all().delete()  # with the '-' rows the deletion itself wrote

    fields = ["number", "area_id", "area_code", "county_code", "township_code", "village_code", "status"]
    fields += ["registered_on", "registration_year", "housing_area", "housing_grade", "safe_water", "broadband"]
    fields += ["address", "exit_year"]
    rows = [
        [getattr(h, name) for name in fields]
        for h in (household(area, "HH-1"), household(area, "HH-2", broadband=False, exit_year=2018, status="exited"))
    ]
    pks = bulk_history.insert_with_history(Household, fields, rows, user=county_user, reason=REASON)

    assert history_rows(Household) == expected
    assert expected[0]["history_type"] == "+" and expected[0]["history_user_id"] == county_user.pk
    live = Household.objects.in_bulk(pks)
    assert [live[pk].number for pk in pks] == ["HH-1", "HH-2"]  # the primary keys come back in row order
    assert list(Household.history.order_by("history_id").values_list("id", flat=True)) == pks
    assert live[pks[0]].version == 1 and live[pks[0]].created_at is not None  # defaults as Model() gives them


def test_updated_rows_get_the_history_rows_simple_history_writes(areas, county_user):
    area = areas[f.GROUP_A1]
    theirs = household(area, "HH-THEIRS")
    ours = household(area, "HH-OURS")
    Household.objects.bulk_create([theirs, ours])
    for instance in (theirs, ours):
        instance.status, instance.exit_year, instance.housing_area, instance.safe_water = "exited", 2018, None, None
        instance.version += 1
    fields = ["status", "exit_year", "housing_area", "safe_water", "version"]

    bulk_update_with_history([theirs], Household, fields, default_user=county_user, default_change_reason=REASON)
    bulk_history.update_with_history(
        Household,
        fields,
        [[ours.pk, *(getattr(ours, name) for name in fields)]],
        user=county_user,
        reason=REASON,
    )

    expected = without(history_rows(Household, number="HH-THEIRS"), "number")
    assert without(history_rows(Household, number="HH-OURS"), "number") == expected
    assert expected[0]["history_type"] == "~" and expected[0]["status"] == "exited"
    ours.refresh_from_db()
    assert (ours.status, ours.exit_year, ours.housing_area, ours.safe_water) == ("exited", 2018, None, None)


def test_member_and_income_rows_with_foreign_keys_dates_and_decimals(household_a, county_user):
    income_fields = ["household_id", "year", "wage", "business", "dibao", "business_expenses"]
    values = [household_a.pk, 2019, Decimal("6000.00"), Decimal("1200.50"), Decimal("0.01"), Decimal("99999.99")]
    bulk_create_with_history(
        [YearlyIncome(**dict(zip(income_fields, values, strict=True)))],
        YearlyIncome,
        default_user=county_user,
        default_change_reason=REASON,
    )
    expected = history_rows(YearlyIncome, year=2019)
    YearlyIncome.objects.filter(year=2019).delete()
    YearlyIncome.history.filter(year=2019).delete()
    bulk_history.insert_with_history(YearlyIncome, income_fields, [values], user=county_user, reason=REASON)
    assert history_rows(YearlyIncome, year=2019) == expected

    member = Member.objects.filter(household=household_a).first()
    member.name, member.migrant_months, member.removed_on = "改名", 6, datetime.date(2020, 2, 29)
    bulk_update_with_history([member], Member, ["name", "migrant_months", "removed_on"], default_change_reason=REASON)
    theirs = history_rows(Member, id=member.pk)[-1]
    bulk_history.update_objects_with_history([member], ["name", "migrant_months", "removed_on"], reason=REASON)
    assert history_rows(Member, id=member.pk)[-1] == theirs
    assert theirs["history_user_id"] is None  # no user given and no request: none, as simple-history does


def test_object_helpers_set_primary_keys_and_write_every_field(household_a):
    members = [
        Member(
            household=household_a,
            name=f"新成员{n}",
            id_number=f.next_id_number(),
            relation="03",
            sex="1",
            birth_date=datetime.date(2000, 1, n + 1),
        )
        for n in range(3)
    ]
    created = bulk_history.create_objects_with_history(members, reason=REASON)
    assert all(m.pk for m in created)
    assert Member.objects.get(pk=created[1].pk).name == "新成员1"
    assert Member.history.filter(id__in=[m.pk for m in created], history_type="+").count() == 3


def test_history_date_user_and_a_reason_cut_to_the_column(household_a, county_user):
    when = timezone.now() - datetime.timedelta(days=3)
    bulk_history.update_with_history(
        Household, ["address"], [[household_a.pk, "新地址"]], user=county_user, reason="很长" * 80, date=when
    )
    row = Household.history.filter(id=household_a.pk).order_by("-history_id").first()
    assert row.history_date == when and row.history_user == county_user
    assert row.history_change_reason == ("很长" * 80)[:100]


def test_batches_cover_every_row(areas):
    area = areas[f.GROUP_A1]
    fields = ["number", "area_id", "area_code", "county_code", "township_code", "village_code"]
    rows = [[f"HH-B-{n:03d}", area.pk, area.code, area.code[:6], area.code[:9], area.code[:12]] for n in range(7)]
    pks = bulk_history.insert_with_history(Household, fields, rows, reason=REASON, batch_size=3)
    assert len(set(pks)) == 7
    assert Household.history.filter(history_change_reason=REASON).count() == 7
    updated = bulk_history.update_with_history(Household, ["address"], [[pk, "x"] for pk in pks], batch_size=2)
    assert updated == 7 and Household.objects.filter(address="x").count() == 7


def test_history_can_be_switched_off(settings, household_a):
    settings.SIMPLE_HISTORY_ENABLED = False
    before = Household.history.count()
    bulk_history.update_with_history(Household, ["address"], [[household_a.pk, "关闭历史"]])
    assert Household.history.count() == before
    assert Household.objects.get(pk=household_a.pk).address == "关闭历史"


def test_empty_strings_and_nulls_survive_the_copy(areas):
    """PostgreSQL writes by COPY in CSV: '' and NULL must stay apart, text with commas, quotes and newlines intact."""
    area = areas[f.GROUP_A1]
    fields = ["number", "area_id", "area_code", "county_code", "township_code", "village_code", "address", "phone"]
    fields += ["safe_water", "exit_year", "note"]
    rows = [
        ["HH-E-1", area.pk, area.code, area.code[:6], area.code[:9], area.code[:12], "", "", None, None, ""],
        ["HH-E-2", area.pk, area.code, area.code[:6], area.code[:9], area.code[:12], 'a,"b"\n', "\\N", False, 0, "x"],
    ]
    bulk_history.insert_with_history(Household, fields, rows)
    first, second = Household.objects.filter(number__startswith="HH-E-").order_by("number")
    assert (first.address, first.phone, first.safe_water, first.exit_year, first.note) == ("", "", None, None, "")
    assert (second.address, second.phone, second.safe_water, second.exit_year) == ('a,"b"\n', "\\N", False, 0)


def test_statistics_are_refreshed_after_a_bulk_load(household_a):
    bulk_history.refresh_statistics(Household, Member)  # ANALYZE on PostgreSQL (allowed in a transaction); no-op else
    assert Household.objects.count() == 1
