"""The yearly self-evaluation report (绩效自评报告, seed 000): every outline heading and the system's figures
(households surveyed, cases by kind and outcome, error rates with intervals, fund use) in the page, the print view
and the .docx; the office's texts with optimistic locking; roles; query counts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document

from assessment.fund_models import FundSpending, SelfEvaluationReport
from assessment.fund_services import fund_sheet
from assessment.funds import SELF_EVALUATION_OUTLINE, self_evaluation_sections
from assessment.self_evaluation import build_report, gather_figures
from households.models import AccessLog, Survey
from tests import factories as f
from tests.assessment import fund_builders as fb

HEADINGS = [heading for _, heading in SELF_EVALUATION_OUTLINE]


def url(name, year=2017):
    return reverse(f"assessment:{name}", args=[year])


def survey(household, day: datetime.date) -> Survey:
    return fb.survey(household, day)


@pytest.fixture
def year_2017(areas, county_user):
    """The 2017 figures: surveys, the campaign's cases, an assessment with four spot checks, seed 000's fund."""
    fb.year_figures(areas, county_user)
    fund = fb.seed_fund(county_user)
    FundSpending.objects.create(
        fund=fund, recipient="铜都街道", amount=Decimal("50000.00"), spent_on=datetime.date(2018, 1, 2), purpose="打印"
    )
    return fund


class TestFigures:
    def test_the_years_figures(self, year_2017):
        figures = gather_figures(2017)
        assert (figures.surveyed_households, figures.surveys) == (3, 4)
        assert [(r.name, r.households, r.surveys) for r in figures.survey_rows] == [
            ("铜都街道", 2, 3),
            ("阿旺镇", 1, 1),
        ]
        rows = {row.label: row.cells() for row in figures.case_rows}
        assert rows["新识别（漏评纳入）"] == [2, 0, 1, 3]
        assert rows["错评清退"] == [1, 1, 0, 2]
        assert rows["脱贫退出"] == [0, 0, 1, 1]
        assert rows["错退重新纳入"] == [0, 0, 0, 0]
        assert figures.case_total.cells() == [3, 1, 2, 6]
        rates = figures.county_rates
        assert (rates.missed.found, rates.missed.sampled, rates.missed.percent) == (1, 2, "50.00%")
        assert rates.identification_error.percent == "25.00%" and rates.identification_error.meets_target is False
        assert figures.sheet.report.spent == Decimal("50000.00")

    def test_a_year_without_anything(self, db):
        figures = gather_figures(2030)
        assert figures.surveys == 0 and figures.campaign is None and figures.county_rates is None
        report = build_report(2030)
        texts = {s.key: "".join(s.system) for s in report.sections}
        assert texts["evaluation.funds"] == "系统中没有2030年度的工作经费记录。"
        assert texts["basics.targets"] == "2030年度尚未开展考核抽查，暂无漏评率、错评率、错退率数据。"
        assert "2030年度系统中没有实地调查记录。" in texts["performance"]

    def test_the_figures_take_a_constant_number_of_queries(self, year_2017, django_assert_max_num_queries):
        with django_assert_max_num_queries(14):
            build_report(2017)


FIGURES_IN_TEXT = [
    "2017年度实地调查农户3户（调查4户次）。",
    "2017年度扶贫对象动态管理共立动态调整案件6件（新识别（漏评纳入）3件、错评清退2件、脱贫退出1件），"
    "其中已审定公告3件、已撤销1件、仍在办理2件。",
    "2017年度乡镇考核抽查复核样本户4户：漏评率50.00%（1/2，95%置信区间",
    "识别误差率25.00%（1/4，95%置信区间",
    "未达到目标",
    "错退率无样本",
    "东川区扶贫办于2017年12月收到贫困对象动态管理工作经费100万元，安排铜都街道10万元、阿旺镇10万元、",
    "区扶贫办留用18万元。尚有8万元未分配。已支出5万元，预算执行率5.00%。",
    "1.分配合计 92 万元，比预算 100 万元少 8 万元（未分配）。2.「区人社局」分配了 2 次",
]


class TestReportPage:
    def test_the_page_has_every_heading_and_the_systems_figures(self, year_2017, client_for, county_user):
        page = client_for(county_user).get(url("report_detail")).content.decode()
        positions = [page.index(heading) for heading in HEADINGS]
        assert positions == sorted(positions)
        for text in FIGURES_IN_TEXT:
            assert text in page, text
        assert "东川区扶贫办贫困对象动态管理项目支出绩效自评报告" in page
        assert "<td>新识别（漏评纳入）</td><td>2</td><td>0</td><td>1</td><td>3</td>" in page

    def test_the_print_view_is_an_a4_sheet(self, year_2017, client_for, leader_user):
        page = client_for(leader_user).get(url("report_print")).content.decode()
        assert "@page { size: A4" in page and "@media print" in page
        for text in HEADINGS + FIGURES_IN_TEXT:
            assert text in page

    def test_funds_and_problems_agree_with_the_pure_function(self, year_2017):
        SelfEvaluationReport.objects.create(year=2017, texts={"problems": "无", "evaluation.funds": "主要用于打印。"})
        fund = year_2017
        expected = dict(
            self_evaluation_sections(
                fund_sheet(fund).report,
                {"problems": "无", "evaluation.funds": "主要用于打印。"},
                unit=fund.unit,
                received=fund.received_text,
                project=fund.project,
            )
        )
        for section in build_report(2017).sections:
            if section.key in ("evaluation.funds", "problems"):
                assert "".join(section.system) + section.text == expected[section.heading]


class TestDocx:
    def test_the_docx_has_the_headings_and_figures_and_is_logged(self, year_2017, client_for, assessor_user):
        response = client_for(assessor_user).get(url("report_docx"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        document = Document(io.BytesIO(response.content))
        headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
        assert [text for _, text in headings] == HEADINGS
        assert headings[0] == ("Heading 1", "一、项目基本情况") and headings[1] == (
            "Heading 2",
            "（一）项目基本情况简介",
        )
        assert document.paragraphs[0].text == "东川区扶贫办贫困对象动态管理项目支出绩效自评报告"
        text = "\n".join(p.text for p in document.paragraphs)
        for figure in FIGURES_IN_TEXT:
            assert figure in text, figure
        rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
        assert ["新识别（漏评纳入）", "2", "0", "1", "3"] in rows
        assert ["合计", "3", "1", "2", "6"] in rows
        assert ["铜都街道", "2", "3"] in rows
        assert ["区人社局", "4", "0", "4", "0.00%"] in rows
        log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
        assert log.user == assessor_user and "绩效自评报告" in log.target

    def test_the_office_texts_are_in_the_docx(self, year_2017, client_for, county_user):
        SelfEvaluationReport.objects.create(
            year=2017, texts={"other.plan": "一是加大政策宣传培训力度。\n二是抓好档案。"}
        )
        document = Document(io.BytesIO(client_for(county_user).get(url("report_docx")).content))
        texts = [p.text for p in document.paragraphs]
        plan = texts.index("（一）后续工作计划")
        assert texts[plan + 1 : plan + 3] == ["一是加大政策宣传培训力度。", "二是抓好档案。"]


def texts_form(version: int, **texts) -> dict[str, str]:
    data = {"title": "", "version": str(version)}
    data.update({key.replace(".", "__"): "" for key, _ in SELF_EVALUATION_OUTLINE})
    data.update({key.replace(".", "__"): value for key, value in texts.items()})
    return data


class TestEditing:
    def test_the_office_writes_each_section(self, year_2017, client_for, county_user):
        client = client_for(county_user)
        form = client.get(url("report_edit")).content.decode()
        assert "系统自动写入：东川区扶贫办于2017年12月收到" in form
        data = texts_form(0, basics__summary="东川区贫困对象动态管理工作经费 100 万元，专项用于动态管理工作。")
        data["problems"] = "无"
        response = client.post(url("report_edit"), data)
        assert response.status_code == 302 and response.url == url("report_detail")
        stored = SelfEvaluationReport.objects.get(year=2017)
        assert stored.texts == {"basics.summary": data["basics__summary"], "problems": "无"}
        assert stored.version == 1 and stored.updated_by == county_user
        page = client.get(url("report_detail")).content.decode()
        assert "专项用于动态管理工作。" in page
        # The office's 「无」 gives way to the funds check's flags (seed 000 says 无 while 8 万元 are unallocated).
        problems = next(s for s in build_report(2017).sections if s.key == "problems")
        assert problems.text == "" and problems.system[0].startswith("1.分配合计 92 万元")

    def test_a_stale_form_is_refused_and_keeps_what_was_typed(self, year_2017, client_for, county_user):
        client = client_for(county_user)
        assert client.post(url("report_edit"), texts_form(0, performance="第一稿")).status_code == 302
        response = client.post(url("report_edit"), texts_form(0, performance="第二稿"))
        page = response.content.decode()
        assert response.status_code == 409 and "已被他人修改" in page and "第二稿" in page
        assert SelfEvaluationReport.objects.get().texts == {"performance": "第一稿"}

    def test_saving_again_bumps_the_version(self, year_2017, client_for, county_user):
        client = client_for(county_user)
        client.post(url("report_edit"), texts_form(0, performance="第一稿"))
        client.post(url("report_edit"), texts_form(1, performance="第二稿", title="自定标题"))
        stored = SelfEvaluationReport.objects.get()
        assert (stored.version, stored.texts, stored.title) == (2, {"performance": "第二稿"}, "自定标题")
        assert "自定标题" in client.get(url("report_detail")).content.decode()


class TestRoles:
    PAGES = ["report_detail", "report_print", "report_docx", "report_edit"]

    @pytest.mark.parametrize("persona", ["township1", "village1", "police"])
    @pytest.mark.parametrize("name", PAGES)
    def test_other_roles_get_403(self, client_for, personas, persona, name):
        assert client_for(personas[persona]).get(url(name)).status_code == 403

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_leaders_and_assessors_read_but_do_not_edit(self, client_for, personas, persona):
        client = client_for(personas[persona])
        for name in ("report_detail", "report_print", "report_docx"):
            assert client.get(url(name)).status_code == 200
        assert "填写各部分文字" not in client.get(url("report_detail")).content.decode()
        assert client.get(url("report_edit")).status_code == 403
        assert client.post(url("report_edit"), texts_form(0, performance="x")).status_code == 403
        assert not SelfEvaluationReport.objects.exists()

    def test_a_year_out_of_range_is_404(self, client_for, county_user):
        assert client_for(county_user).get(url("report_detail", 1999)).status_code == 404

    def test_anonymous_users_are_sent_to_log_in(self, client):
        response = client.get(url("report_detail"))
        assert response.status_code == 302 and "/accounts/login/" in response.url


class TestQueryCounts:
    def test_the_report_page_is_constant(self, client_for, county_user, areas, django_assert_max_num_queries):
        client = client_for(county_user)
        with django_assert_max_num_queries(20):
            assert client.get(url("report_detail")).status_code == 200

    def test_the_report_page_with_figures(self, year_2017, client_for, county_user, django_assert_max_num_queries):
        client = client_for(county_user)
        with django_assert_max_num_queries(20):
            assert client.get(url("report_detail")).status_code == 200
        group = f.make_area(f.GROUP_A2)
        for i in range(10):
            survey(f.make_household(group, number=f"X-{i}"), datetime.date(2017, 10, 20))
        with django_assert_max_num_queries(20):
            assert client.get(url("report_detail")).status_code == 200


class TestLinksAndEmptyYears:
    def test_the_assessment_page_links_to_the_years_funds_and_report(self, county_user):
        from django.template.loader import render_to_string

        from assessment.review_models import Assessment

        context = {"assessment": Assessment(year=2017), "user": county_user}
        html = render_to_string("assessment/funds/_assessment_links.html", context)
        assert url("fund_detail") in html and url("report_detail") in html and "2017年度绩效自评报告" in html

    def test_a_year_without_data_still_gives_every_page_and_a_document(self, client_for, county_user):
        client = client_for(county_user)
        for name in ("report_detail", "report_print", "report_edit"):
            page = client.get(url(name, 2031))
            assert page.status_code == 200 and "系统中没有2031年度的工作经费记录。" in page.content.decode()
        document = Document(io.BytesIO(client.get(url("report_docx", 2031)).content))
        assert [p.text for p in document.paragraphs if p.style.name.startswith("Heading")] == HEADINGS
        assert document.paragraphs[0].text == "东川区扶贫办贫困对象动态管理项目支出绩效自评报告"
