"""The work-fund pages (seed 000): the seed's own allocation list entered through the pages gives 92 万元 allocated,
8 万元 unallocated and the duplicate 区人社局; over-allocation, overspending, exact money, optimistic locking, roles,
the Excel sheet with its access-log row, query counts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.fund_models import FundAllocation, FundSpending, WorkFund
from assessment.fund_services import fund_sheet
from assessment.funds import FlagCode
from households.models import AccessLog
from tests.assessment import fund_builders as fb

D = Decimal


def url(name, *args):
    return reverse(f"assessment:{name}", args=args)


@pytest.fixture
def county(client_for, county_user):
    return client_for(county_user)


def create_fund(client, **changes) -> WorkFund:
    response = client.post(url("fund_create"), {**fb.FUND_FORM, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    return WorkFund.objects.get(year=int(changes.get("year", fb.FUND_FORM["year"])))


def allocate(client, fund: WorkFund, rows):
    return client.post(url("fund_allocations", fund.year), fb.allocation_post(rows, version=fund.version))


def flags_of(fund: WorkFund) -> tuple[str, ...]:
    return fund_sheet(WorkFund.objects.get(pk=fund.pk)).report.flag_codes


class TestTheSeedsOwnList:
    def test_92_of_100_wan_allocated_with_the_unallocated_and_duplicate_flags(self, county):
        fund = create_fund(county)
        assert fund.budget == D("1000000.00")
        response = allocate(county, fund, fb.SEED_ALLOCATIONS)
        assert response.status_code == 302 and response.url == url("fund_detail", 2017)

        rows = list(FundAllocation.objects.filter(fund=fund).order_by("position"))
        assert [(a.recipient, a.kind) for a in rows] == [(r, k) for r, k, _ in fb.SEED_ALLOCATIONS]
        assert sum(a.amount for a in rows) == D("920000.00")
        report = fund_sheet(fund).report
        assert report.allocated == D("920000.00") and report.unallocated == D("80000.00")
        assert report.flag_codes == (FlagCode.UNALLOCATED, FlagCode.DUPLICATE_RECIPIENT)
        # 区人社局 is one line of 4 万元 (both lines counted as written).
        assert [(line.recipient, line.allocated) for line in report.lines if line.recipient == "区人社局"] == [
            ("区人社局", D("40000.00"))
        ]

        page = county.get(url("fund_detail", 2017)).content.decode()
        assert "分配合计 92 万元，比预算 100 万元少 8 万元（未分配）" in page
        assert "「区人社局」分配了 2 次（2 万元、2 万元），请核对是否重复列支；合计按 4 万元计" in page
        assert 'id="fund-flags"' in page and "alert-danger" in page
        assert '<div class="fs-5 fw-semibold text-danger" id="unallocated">8 万元</div>' in page
        assert "重复分配" in page
        assert "1,000,000.00 元" in page  # the budget shown in yuan too

    def test_the_list_page_shows_the_unallocated_amount_and_the_flags(self, county):
        fund = create_fund(county)
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        page = county.get(url("fund_list")).content.decode()
        assert "92" in page and "2 项" in page

    def test_a_complete_list_has_no_flag(self, county):
        fund = create_fund(county, budget_amount="92")
        allocate(
            county,
            fund,
            [row for row in fb.SEED_ALLOCATIONS if row != ("区人社局", "department", "2")]
            + [("区人社局", "department", "4")],
        )
        assert flags_of(fund) == ()
        assert "分配合计与预算一致" in county.get(url("fund_detail", 2017)).content.decode()


class TestChecks:
    def test_over_allocation_is_flagged(self, county):
        fund = create_fund(county, budget_amount="900000", budget_unit="yuan")
        assert fund.budget == D("900000.00")
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        assert flags_of(fund)[0] == FlagCode.OVER_ALLOCATED
        page = county.get(url("fund_detail", 2017)).content.decode()
        assert "分配合计 92 万元，超出预算 90 万元 2 万元" in page
        assert "超出预算" in page

    def test_overspending_by_one_cent_is_flagged(self, county):
        fund = create_fund(county, budget_amount="6")
        allocate(county, fund, [("舍块乡", "township", "6")])
        response = county.post(
            url("fund_spending", 2017),
            {"recipient": "舍块乡", "amount": "60000.01", "spent_on": "2018-01-10", "purpose": "资料打印复印"},
        )
        assert response.status_code == 302
        assert FundSpending.objects.get().amount == D("60000.01")
        assert flags_of(fund) == (FlagCode.OVERSPENT, FlagCode.SPENT_OVER_BUDGET)
        page = county.get(url("fund_detail", 2017)).content.decode()
        assert "「舍块乡」支出 6.000001 万元，超出分配的 6 万元 0.000001 万元" in page

    def test_spending_without_an_allocation_is_flagged(self, county):
        fund = create_fund(county)
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        county.post(
            url("fund_spending", 2017),
            {"recipient": "区教育局", "amount": "5000", "spent_on": "2018-01-10", "purpose": "宣传"},
        )
        assert FlagCode.SPENT_WITHOUT_ALLOCATION in flags_of(fund)
        assert "「区教育局」支出 0.5 万元，但没有分配经费" in county.get(url("fund_detail", 2017)).content.decode()

    def test_execution_rates_per_line_and_of_the_budget(self, county):
        fund = create_fund(county)
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        for amount in ("30000", "20000.50"):
            county.post(
                url("fund_spending", 2017),
                {"recipient": "铜都街道", "amount": amount, "spent_on": "2018-01-10", "purpose": "办公耗材"},
            )
        report = fund_sheet(fund).report
        line = report.lines[0]
        assert (line.recipient, line.spent, line.remaining, line.execution) == (
            "铜都街道",
            D("50000.50"),
            D("49999.50"),
            "50.00%",
        )
        assert report.execution == "5.00%"  # 50,000.50 / 1,000,000 = 5.00005% → 5.00%
        page = county.get(url("fund_detail", 2017)).content.decode()
        assert "5.00%" in page and "20,000.50" in page

    def test_deleting_a_spending_entry(self, county):
        fund = create_fund(county)
        county.post(
            url("fund_spending", 2017),
            {"recipient": "铜都街道", "amount": "100", "spent_on": "2018-01-10", "purpose": "办公耗材"},
        )
        entry = FundSpending.objects.get()
        assert county.get(url("fund_spending_delete", 2017, entry.pk)).status_code == 405
        assert county.post(url("fund_spending_delete", 2017, entry.pk)).status_code == 302
        assert not FundSpending.objects.exists() and fund_sheet(fund).report.spent == 0


class TestMoney:
    @pytest.mark.parametrize(
        "typed, yuan",
        [
            ("10", D("100000.00")),
            ("0.000001", D("0.01")),
            ("6.000001", D("60000.01")),
            ("1,234.567891", D("12345678.91")),
            ("3.333333", D("33333.33")),
        ],
    )
    def test_wan_amounts_are_stored_as_exact_yuan(self, county, typed, yuan):
        fund = create_fund(county)
        assert allocate(county, fund, [("铜都街道", "township", typed)]).status_code == 302
        stored = FundAllocation.objects.get().amount
        assert isinstance(stored, Decimal) and stored == yuan

    def test_three_thirds_add_up_exactly(self, county):
        fund = create_fund(county, budget_amount="9.999999")
        assert fund.budget == D("99999.99")
        allocate(county, fund, [(name, "township", "3.333333") for name in ("铜都街道", "阿旺镇", "乌龙镇")])
        report = fund_sheet(fund).report
        assert report.allocated == D("99999.99") and report.unallocated == 0 and report.flags == ()

    @pytest.mark.parametrize(
        "typed, message",
        [
            ("0.0000001", "以万元填写时最多 6 位小数（精确到分）"),
            ("abc", "请填写数字金额"),
            ("0", "金额必须大于 0"),
            ("-2", "金额必须大于 0"),
            ("", "请填写金额"),
            ("NaN", "请填写数字金额"),
        ],
    )
    def test_a_bad_amount_keeps_every_row_and_changes_nothing(self, county, typed, message):
        fund = create_fund(county)
        allocate(county, fund, [("铜都街道", "township", "10")])
        fund.refresh_from_db()
        response = allocate(county, fund, [("阿旺镇", "township", "10"), ("区公安局", "department", typed)])
        page = response.content.decode()
        assert response.status_code == 200 and message in page
        assert 'value="阿旺镇"' in page and 'value="区公安局"' in page
        assert list(FundAllocation.objects.values_list("recipient", flat=True)) == ["铜都街道"]

    @pytest.mark.parametrize(
        "amount, unit, message",
        [("100.0000001", "wan", "最多 6 位小数"), ("1.005", "yuan", "最多 2 位小数"), ("0", "wan", "大于 0")],
    )
    def test_a_bad_budget_is_refused(self, county, amount, unit, message):
        response = county.post(url("fund_create"), {**fb.FUND_FORM, "budget_amount": amount, "budget_unit": unit})
        assert response.status_code == 200 and message in response.content.decode()
        assert not WorkFund.objects.exists()

    def test_spending_in_yuan_refuses_fractions_of_a_cent(self, county):
        create_fund(county)
        response = county.post(
            url("fund_spending", 2017),
            {"recipient": "铜都街道", "amount": "1.005", "spent_on": "2018-01-10", "purpose": "办公耗材"},
        )
        assert response.status_code == 200 and "以元填写时最多 2 位小数" in response.content.decode()
        assert not FundSpending.objects.exists()

    def test_the_budget_form_shows_the_stored_yuan_in_wan(self, county):
        create_fund(county, budget_amount="1000000.01", budget_unit="yuan")
        page = county.get(url("fund_edit", 2017)).content.decode()
        assert 'value="100.000001"' in page and "1,000,000.01 元" in page


class TestForms:
    def test_a_township_chosen_from_the_list_names_the_line(self, county, areas):
        fund = create_fund(county)
        township = areas["530113001"]
        assert allocate(county, fund, [("", "township", "10", township.pk)]).status_code == 302
        allocation = FundAllocation.objects.get()
        assert (allocation.recipient, allocation.area) == ("铜都街道", township)

    def test_a_department_cannot_have_a_township(self, county, areas):
        fund = create_fund(county)
        response = allocate(county, fund, [("区公安局", "department", "2", areas["530113001"].pk)])
        assert "只有乡镇（街道）才选择乡镇" in response.content.decode()
        assert not FundAllocation.objects.exists()

    def test_a_line_without_a_name_is_refused(self, county):
        fund = create_fund(county)
        response = allocate(county, fund, [("", "department", "2")])
        assert "请填写单位名称" in response.content.decode()

    def test_deleted_and_blank_rows_are_left_out(self, county):
        fund = create_fund(county)
        data = fb.allocation_post([("铜都街道", "township", "10"), ("阿旺镇", "township", "10")], version=fund.version)
        data["lines-1-DELETE"] = "on"
        data.update({"lines-TOTAL_FORMS": "3", "lines-2-recipient": "", "lines-2-kind": "township"})
        data.update({"lines-2-amount": "", "lines-2-area": "", "lines-2-note": ""})
        assert county.post(url("fund_allocations", 2017), data).status_code == 302
        assert list(FundAllocation.objects.values_list("recipient", flat=True)) == ["铜都街道"]

    def test_saving_the_list_again_replaces_it_and_bumps_the_version(self, county):
        fund = create_fund(county)
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        fund.refresh_from_db()
        page = county.get(url("fund_allocations", 2017)).content.decode()
        assert page.count('value="区人社局"') == 2 and 'value="18"' in page
        allocate(county, fund, [("铜都街道", "township", "100")])
        assert WorkFund.objects.get().version == fund.version + 1
        assert FundAllocation.objects.count() == 1 and flags_of(fund) == ()

    def test_the_stored_list_saved_unchanged_stays_as_it_is(self, county):
        fund = create_fund(county)
        allocate(county, fund, fb.SEED_ALLOCATIONS)
        form = county.get(url("fund_allocations", 2017)).context["formset"]
        data = {
            "lines-TOTAL_FORMS": str(len(form.forms)),
            "lines-INITIAL_FORMS": str(form.initial_form_count()),
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "version": str(WorkFund.objects.get().version),
        }
        for row in form.forms:  # what the browser sends back: every field as rendered, blank rows included
            for name in row.fields:
                value = row[name].value()
                if name != "DELETE":
                    data[row.add_prefix(name)] = "" if value is None else str(value)
        data["lines-0-DELETE"] = "on"
        assert county.post(url("fund_allocations", 2017), data).status_code == 302
        stored = list(FundAllocation.objects.order_by("position").values_list("recipient", "amount"))
        assert (
            len(stored) == 13 and stored[0] == ("阿旺镇", D("100000.00")) and stored[-1] == ("区扶贫办", D("180000.00"))
        )

    def test_a_second_fund_of_the_same_year_is_refused(self, county):
        create_fund(county)
        response = county.post(url("fund_create"), fb.FUND_FORM)
        assert "该年度的工作经费已经录入" in response.content.decode()
        assert WorkFund.objects.count() == 1

    def test_a_missing_year_leads_the_county_to_the_create_form(self, county, client_for, leader_user):
        response = county.get(url("fund_detail", 2019))
        assert response.status_code == 302 and response.url == url("fund_create") + "?year=2019"
        assert 'value="2019"' in county.get(response.url).content.decode()
        assert client_for(leader_user).get(url("fund_detail", 2019)).status_code == 404


class TestOptimisticLocking:
    def test_allocations_saved_over_someone_elses_change_are_refused(self, county):
        fund = create_fund(county)
        stale = fund.version
        allocate(county, fund, [("铜都街道", "township", "10")])
        response = county.post(
            url("fund_allocations", 2017), fb.allocation_post([("阿旺镇", "township", "10")], version=stale)
        )
        page = response.content.decode()
        assert response.status_code == 409 and "已被他人修改" in page and 'value="阿旺镇"' in page
        assert list(FundAllocation.objects.values_list("recipient", flat=True)) == ["铜都街道"]

    def test_budget_saved_over_someone_elses_change_is_refused(self, county):
        fund = create_fund(county)
        form = {**fb.FUND_FORM, "budget_amount": "90", "version": str(fund.version)}
        assert county.post(url("fund_edit", 2017), form).status_code == 302
        response = county.post(url("fund_edit", 2017), {**form, "budget_amount": "80"})
        assert response.status_code == 409 and "已被他人修改" in response.content.decode()
        assert WorkFund.objects.get().budget == D("900000.00")


class TestRoles:
    @pytest.fixture
    def fund(self, county_user):
        return fb.seed_fund(county_user)

    READ_PAGES = [("fund_list", ()), ("fund_detail", (2017,)), ("fund_export", (2017,))]
    WRITE_PAGES = [
        ("fund_create", ()),
        ("fund_edit", (2017,)),
        ("fund_allocations", (2017,)),
        ("fund_spending", (2017,)),
    ]

    @pytest.mark.parametrize("persona", ["township1", "village1", "police"])
    @pytest.mark.parametrize("name, args", READ_PAGES + WRITE_PAGES)
    def test_other_roles_get_403(self, client_for, personas, fund, persona, name, args):
        assert client_for(personas[persona]).get(url(name, *args)).status_code == 403

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_leaders_and_assessors_read(self, client_for, personas, fund, persona):
        client = client_for(personas[persona])
        for name, args in self.READ_PAGES:
            assert client.get(url(name, *args)).status_code == 200
        page = client.get(url("fund_detail", 2017)).content.decode()
        assert "编辑分配名单" not in page and "删除" not in page

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    @pytest.mark.parametrize("name, args", WRITE_PAGES)
    def test_leaders_and_assessors_cannot_change(self, client_for, personas, fund, persona, name, args):
        client = client_for(personas[persona])
        assert client.get(url(name, *args)).status_code == 403
        assert client.post(url(name, *args), {}).status_code == 403

    def test_leader_cannot_delete_spending(self, client_for, leader_user, county_user, fund):
        entry = FundSpending.objects.create(
            fund=fund, recipient="铜都街道", amount=D("1"), spent_on="2018-01-01", purpose="x", recorded_by=county_user
        )
        assert client_for(leader_user).post(url("fund_spending_delete", 2017, entry.pk)).status_code == 403
        assert FundSpending.objects.exists()

    def test_anonymous_users_are_sent_to_log_in(self, client, fund):
        response = client.get(url("fund_detail", 2017))
        assert response.status_code == 302 and "/accounts/login/" in response.url


class TestExport:
    def test_the_excel_sheet_has_the_lines_totals_and_flags_and_is_logged(self, client_for, leader_user):
        fund = fb.seed_fund()
        FundSpending.objects.create(fund=fund, recipient="铜都街道", amount=D("30000.50"), spent_on="2018-01-02")
        response = client_for(leader_user).get(url("fund_export", 2017))
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["经费使用情况", "分配明细", "支出明细"]
        rows = list(book["经费使用情况"].iter_rows(values_only=True))
        assert rows[1][:7] == (1, "铜都街道", "乡镇（街道）", 10, 100000, 30000.5, 69999.5)
        labels = {row[1]: row for row in rows[1:]}
        assert labels["合计"][4] == 920000 and labels["未分配"][3] == 8 and labels["预算执行率"][7] == "3.00%"
        messages = [row[3] for row in rows if row[1] == "提示"]
        assert messages[0] == "分配合计 92 万元，比预算 100 万元少 8 万元（未分配）"
        assert any("区人社局" in m for m in messages)
        assert len(list(book["分配明细"].iter_rows(values_only=True))) == 15
        log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
        assert log.user == leader_user and "工作经费" in log.target and log.row_count == 13 + 14 + 1
        assert log.detail.endswith("；不含证件号码")


class TestQueryCounts:
    def test_list_page_is_constant(self, client_for, county_user, django_assert_max_num_queries):
        client = client_for(county_user)
        fb.seed_fund()
        with django_assert_max_num_queries(10):
            assert client.get(url("fund_list")).status_code == 200
        for year in (2018, 2019, 2020):
            fb.seed_fund(year=year)
        with django_assert_max_num_queries(10):
            assert client.get(url("fund_list")).status_code == 200

    def test_detail_page_is_constant(self, client_for, county_user, django_assert_max_num_queries):
        client = client_for(county_user)
        fund = fb.seed_fund(county_user)
        with django_assert_max_num_queries(10):
            assert client.get(url("fund_detail", 2017)).status_code == 200
        FundSpending.objects.bulk_create(
            FundSpending(
                fund=fund, recipient="铜都街道", amount=D("10"), spent_on="2018-01-02", recorded_by=county_user
            )
            for _ in range(40)
        )
        with django_assert_max_num_queries(10):
            assert client.get(url("fund_detail", 2017)).status_code == 200

    def test_allocation_form_is_constant(self, client_for, county_user, django_assert_max_num_queries):
        client = client_for(county_user)
        fb.seed_fund(county_user)
        with django_assert_max_num_queries(10):
            assert client.get(url("fund_allocations", 2017)).status_code == 200


@pytest.mark.parametrize(("who", "shown"), [("county", True), ("leader", True), ("township1", False)])
def test_assessment_page_links_to_funds_only_for_those_who_may_read_them(client_for, personas, policy, who, shown):
    from tests.assessment.review_builders import make_assessment

    assessment = make_assessment(policy)
    page = client_for(personas[who]).get(reverse("assessment:assessment_detail", args=[assessment.pk])).text
    assert (reverse("assessment:fund_detail", args=[assessment.year]) in page) is shown
