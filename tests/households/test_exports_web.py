"""Excel downloads in the browser: the roster of the list's filters and the village comparison sheet.

View checklist (STYLE.md): happy path with its AccessLog row, the masking rule, other township's rows absent (or
404), department 403, anonymous → login, GET only."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
import python_calamine

from households.choices import HouseholdStatus
from households.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db

ROSTER = "/exports/roster.xlsx"
COMPARISON = "/exports/comparison/"
FULL_ID = re.compile(r"^\d{17}[\dX]$")
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


def workbook_rows(response) -> list[list]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def roster_records(response) -> list[dict]:
    header, *rows = workbook_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


class TestRosterDownload:
    def test_county_office_downloads_the_roster_with_full_ids_and_the_download_is_logged(
        self, client_for, county_user, household_a, household_b
    ):
        response = client_for(county_user).get(ROSTER)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
        assert response["Cache-Control"] == "no-store"
        records = roster_records(response)
        assert {r["户编号"] for r in records} == {"HH-A-0001", "HH-B-0001"}
        assert all(FULL_ID.match(r["证件号码"]) for r in records)
        log = AccessLog.objects.get()
        assert (log.user, log.action, log.row_count) == (county_user, AccessLog.Action.EXPORT, 6)
        assert "花名册" in log.target and "含完整证件号码" in log.detail and "无筛选条件" in log.detail
        assert log.ip_address == "127.0.0.1"

    def test_the_list_filters_choose_the_rows_and_are_logged(self, client_for, county_user, areas, household_a):
        f.make_household(areas[f.GROUP_A1], number="HH-A-EXIT", status=HouseholdStatus.EXITED, exit_year=2018)
        response = client_for(county_user).get(ROSTER, {"status": "exited", "township": f.TOWNSHIP_A, "page": 3})
        assert {r["户编号"] for r in roster_records(response)} == {"HH-A-EXIT"}
        log = AccessLog.objects.get()
        assert "户状态=已脱贫" in log.detail and f"区划={f.TOWNSHIP_A}" in log.detail
        assert log.row_count == 3

    def test_a_searched_id_number_filters_but_is_logged_masked(self, client_for, county_user, household_a, household_b):
        id_number = household_b.members.first().id_number
        response = client_for(county_user).get(ROSTER, {"q": id_number})
        assert {r["户编号"] for r in roster_records(response)} == {"HH-B-0001"}
        detail = AccessLog.objects.get().detail
        assert id_number not in detail and f"关键词={id_number[:6]}********{id_number[-4:]}" in detail

    def test_township_staff_get_only_their_township_with_full_ids(
        self, client_for, township_a_user, household_a, household_b
    ):
        records = roster_records(client_for(township_a_user).get(ROSTER))
        assert {r["户编号"] for r in records} == {"HH-A-0001"}  # township B's household is absent
        assert all(FULL_ID.match(r["证件号码"]) for r in records)
        assert AccessLog.objects.get().row_count == 3

    @pytest.mark.parametrize("persona", ["village1", "leader", "assessor"])
    def test_other_readers_get_masked_ids(self, client_for, personas, household_a, persona):
        records = roster_records(client_for(personas[persona]).get(ROSTER))
        assert records and all(MASKED_ID.match(r["证件号码"]) for r in records)
        assert "证件号码已打码" in AccessLog.objects.get().detail

    def test_anyone_may_ask_for_masked_ids(self, client_for, county_user, household_a):
        records = roster_records(client_for(county_user).get(ROSTER, {"mask": "1"}))
        assert all(MASKED_ID.match(r["证件号码"]) for r in records)
        assert "证件号码已打码" in AccessLog.objects.get().detail

    def test_the_download_reimports_as_the_same_households(self, client_for, county_user, household_a, tmp_path):
        response = client_for(county_user).get(ROSTER)
        path = tmp_path / "roster.xlsx"
        path.write_bytes(b"".join(response.streaming_content))
        from households.excel.roster import import_roster

        roster, plan, result = import_roster(path, reason="round trip")
        assert roster.ok and plan.ok and result.counts["households"]["unchanged"] == 1

    def test_department_users_get_403(self, client_for, police_user, household_a):
        assert client_for(police_user).get(ROSTER).status_code == 403
        assert not AccessLog.objects.exists()

    def test_anonymous_is_sent_to_login(self, client, household_a):
        response = client.get(ROSTER)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_post_is_not_allowed(self, client_for, county_user):
        assert client_for(county_user).post(ROSTER).status_code == 405

    def test_the_list_links_to_the_download_with_its_filters(self, client_for, county_user, household_a):
        page = client_for(county_user).get("/households/", {"status": "poor", "page": 1}).text
        assert re.search(r'href="/exports/roster\.xlsx\?status=poor"', page)
        assert 'href="/exports/comparison/' in page

    def test_the_list_offers_no_download_link_that_would_carry_a_full_id(self, client_for, county_user, household_a):
        id_number = household_a.members.first().id_number
        page = client_for(county_user).get("/households/", {"q": id_number}).text
        assert id_number not in page and "/exports/roster.xlsx" not in page


class TestComparisonDownload:
    def test_form_preselects_the_village_and_the_latest_two_years(self, client_for, township_a_user, household_a):
        response = client_for(township_a_user).get(COMPARISON, {"village": f.VILLAGE_A1})
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial == {"village": f.VILLAGE_A1, "first_year": 2017, "last_year": 2018}
        villages = [code for code, _ in form.fields["village"].choices if code]
        assert villages == [f.VILLAGE_A1, f.VILLAGE_A2]  # township B's village is not offered

    def test_village_officer_gets_their_village_preselected(self, client_for, village_user, household_a):
        form = client_for(village_user).get(COMPARISON).context["form"]
        assert form.initial["village"] == f.VILLAGE_A1

    def test_download_is_a_printable_sheet_and_is_logged(self, client_for, township_a_user, household_a):
        params = {"village": f.VILLAGE_A1, "first_year": 2017, "last_year": 2018}
        response = client_for(township_a_user).get(COMPARISON, params)
        assert response.status_code == 200 and "对照表_箐口村_2017-2018.xlsx" in unquote(
            response["Content-Disposition"]
        )
        rows = workbook_rows(response)
        assert rows[0][0] == "铜都街道箐口村 2017—2018年度扶贫对象动态管理对照表"
        assert rows[2][:3] == ["序号", "村民小组", "户编号"]
        assert rows[3][2] == "HH-A-0001" and MASKED_ID.match(rows[3][4])
        assert rows[-1][0] == "村委会（盖章）"
        log = AccessLog.objects.get()
        assert (log.user, log.action, log.row_count) == (township_a_user, AccessLog.Action.EXPORT, 1)
        assert "箐口村" in log.target and "证件号码已打码" in log.detail

    def test_years_in_the_wrong_order_re_render_the_form(self, client_for, township_a_user, household_a):
        params = {"village": f.VILLAGE_A1, "first_year": 2018, "last_year": 2017}
        response = client_for(township_a_user).get(COMPARISON, params)
        assert response.status_code == 200 and "本年度须晚于上一年度" in response.text
        assert not AccessLog.objects.exists()

    def test_other_townships_village_is_404(self, client_for, township_a_user, household_b):
        params = {"village": f.VILLAGE_B1, "first_year": 2017, "last_year": 2018}
        assert client_for(township_a_user).get(COMPARISON, params).status_code == 404
        assert not AccessLog.objects.exists()

    def test_department_users_get_403(self, client_for, police_user, household_a):
        assert client_for(police_user).get(COMPARISON, {"village": f.VILLAGE_A1}).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(COMPARISON)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_post_is_not_allowed(self, client_for, county_user):
        assert client_for(county_user).post(COMPARISON).status_code == 405
