"""Appeals (申诉) against deductions and the county office's finalization of the scores."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import scores
from assessment.score_models import ManualScoreEntry, ScoreAppeal, ScoreResult, UnitResult
from tests import factories as f
from tests.assessment import score_builders as sb

D = Decimal
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def assessment(policy):
    return sb.make_assessment(policy, appeal_deadline=datetime.date(2019, 1, 20))


@pytest.fixture
def scored(assessment, areas):
    """Township A loses 10 points on 综合评价; township B gets full marks."""
    sb.single_manual_table(assessment)
    sb.give(assessment, areas[f.TOWNSHIP_A], "overall", "90", note="扶贫档案缺 3 户帮扶簿")
    sb.give(assessment, areas[f.TOWNSHIP_B], "overall", "100")
    return assessment


@pytest.fixture
def on_day(monkeypatch):
    """on_day(date): the pages' today."""

    def set_today(day: datetime.date):
        monkeypatch.setattr("assessment.score_views.timezone.localdate", lambda *a, **k: day)

    return set_today


def appeal_url(pk):
    return reverse("assessment:appeal_create", args=[pk])


def post_appeal(client, pk, *, evidence=None, reason="3 户帮扶簿已补齐，见附件照片"):
    data = {"indicator": "overall", "reason": reason}
    if evidence is not None:
        data["evidence"] = evidence
    return client.post(appeal_url(pk), data)


def pdf(name="帮扶簿.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# ---- submitting ----


@pytest.mark.parametrize(
    ("today", "accepted"),
    [(datetime.date(2019, 1, 10), True), (datetime.date(2019, 1, 20), True), (datetime.date(2019, 1, 21), False)],
)
def test_appeal_before_and_after_the_deadline(client_for, township_a_user, scored, on_day, media, today, accepted):
    on_day(today)
    response = post_appeal(client_for(township_a_user), scored.pk, evidence=pdf())
    if accepted:
        appeal = ScoreAppeal.objects.get()
        assert response.status_code == 302
        assert (appeal.township.code, appeal.indicator_name, appeal.status) == (f.TOWNSHIP_A, "综合评价", "pending")
        assert appeal.evidence_name == "帮扶簿.pdf"
        assert appeal.evidence.name.startswith("appeals/") and appeal.evidence.name.endswith(".pdf")
        assert "帮扶簿" not in appeal.evidence.name  # a generated name, never the user's
        assert (media / appeal.evidence.name).read_bytes() == PDF
    else:
        assert not ScoreAppeal.objects.exists()
        assert "申诉已于 2019-01-20 截止" in response.content.decode()


def test_no_appeal_after_the_scores_are_final(client_for, township_a_user, county_user, scored, on_day):
    on_day(datetime.date(2019, 1, 10))
    scores.finalize(scored, by=county_user, today=datetime.date(2019, 1, 10))
    client = client_for(township_a_user)
    response = post_appeal(client, scored.pk)
    assert not ScoreAppeal.objects.exists()
    assert "得分已确定，不能再申诉" in response.content.decode()
    page = client.get(reverse("assessment:score_township", args=[scored.pk, f.TOWNSHIP_A]))
    assert not page.context["can_appeal"]


def test_only_deductions_can_be_appealed(client_for, township_b_user, scored, on_day):
    on_day(datetime.date(2019, 1, 10))
    response = post_appeal(client_for(township_b_user), scored.pk)
    assert not ScoreAppeal.objects.exists()
    assert "本乡镇目前没有扣分的指标" in response.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "证明材料只能是 PDF"),
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00not a pdf"), "文件内容不是 .pdf 格式"),
        (SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024)), "证明材料不能超过 10 MB"),
    ],
)
def test_evidence_type_and_size_are_checked(client_for, township_a_user, scored, on_day, upload, message):
    on_day(datetime.date(2019, 1, 10))
    response = post_appeal(client_for(township_a_user), scored.pk, evidence=upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "3 户帮扶簿已补齐" in html  # the reason typed is kept
    assert not ScoreAppeal.objects.exists()


def test_only_a_township_clerk_appeals(client_for, county_user, leader_user, scored):
    for user in (county_user, leader_user):
        assert post_appeal(client_for(user), scored.pk).status_code == 403


# ---- reading and deciding ----


def _appeal(assessment, areas, township=f.TOWNSHIP_A, evidence=True):
    appeal = ScoreAppeal(
        assessment=assessment,
        township=areas[township],
        indicator_code="overall",
        indicator_name="综合评价",
        reason="已整改",
    )
    if evidence:
        appeal.evidence_name = "帮扶簿.pdf"
        appeal.evidence.save("帮扶簿.pdf", pdf(), save=False)
    appeal.save()
    return appeal


def test_appeals_are_seen_by_their_township_and_the_county_only(
    client_for, township_a_user, township_b_user, leader_user, scored, areas, django_assert_max_num_queries
):
    mine = _appeal(scored, areas)
    theirs = _appeal(scored, areas, f.TOWNSHIP_B, evidence=False)
    client = client_for(township_a_user)
    listed = client.get(reverse("assessment:appeal_list", args=[scored.pk])).context["appeals"]
    assert listed == [mine]
    assert client.get(reverse("assessment:appeal_detail", args=[scored.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("assessment:appeal_evidence", args=[scored.pk, mine.pk])).status_code == 200
    client = client_for(township_b_user)
    assert client.get(reverse("assessment:appeal_evidence", args=[scored.pk, mine.pk])).status_code == 404
    client = client_for(leader_user)
    for _ in range(10):
        _appeal(scored, areas, evidence=False)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assessment:appeal_list", args=[scored.pk]))
    assert len(response.context["appeals"]) == 12
    download = client.get(reverse("assessment:appeal_evidence", args=[scored.pk, mine.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_county_accepts_an_appeal_after_changing_the_score(client_for, county_user, scored, areas):
    appeal = _appeal(scored, areas)
    sb.give(scored, areas[f.TOWNSHIP_A], "overall", "95", note="补齐 3 户帮扶簿后改为扣 5 分")
    url = reverse("assessment:appeal_decide", args=[scored.pk, appeal.pk])
    client = client_for(county_user)
    response = client.post(url, {"decision": "accept", "response": "经核实已补齐，综合评价改为 95 分"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.response) == (
        "accepted",
        county_user,
        "经核实已补齐，综合评价改为 95 分",
    )
    page = client.get(reverse("assessment:score_township", args=[scored.pk, f.TOWNSHIP_A]))
    assert page.context["township"].total == D("95.00")
    # deciding twice is refused
    again = client.post(url, {"decision": "reject", "response": "x"}, follow=True)
    assert "该申诉已由他人处理" in again.content.decode()
    assert ScoreAppeal.objects.get().status == "accepted"


def test_a_decision_needs_a_response(client_for, county_user, scored, areas):
    appeal = _appeal(scored, areas)
    url = reverse("assessment:appeal_decide", args=[scored.pk, appeal.pk])
    response = client_for(county_user).post(url, {"decision": "reject", "response": "  "})
    assert response.status_code == 200
    assert ScoreAppeal.objects.get().status == "pending"


def test_only_the_county_office_decides(client_for, assessor_user, township_a_user, scored, areas):
    appeal = _appeal(scored, areas)
    url = reverse("assessment:appeal_decide", args=[scored.pk, appeal.pk])
    for user in (assessor_user, township_a_user):
        assert client_for(user).post(url, {"decision": "accept", "response": "x"}).status_code == 403
    assert client_for(assessor_user).get(url).status_code == 405


# ---- finalization ----


def test_finalize_is_refused_while_an_appeal_is_pending(client_for, county_user, scored, areas):
    _appeal(scored, areas)
    client = client_for(county_user)
    page = client.get(reverse("assessment:score_overview", args=[scored.pk]))
    assert "还有 1 件申诉待处理" in page.content.decode()
    response = client.post(reverse("assessment:score_finalize", args=[scored.pk]), follow=True)
    assert "不能确定得分：还有 1 件申诉待处理" in response.content.decode()
    scored.refresh_from_db()
    assert not scored.scores_final
    assert not ScoreResult.objects.exists()


def test_finalize_is_refused_with_an_invalid_table_or_an_unscored_township(county_user, assessment, areas):
    sb.set_table(assessment, [sb.manual_row("overall", "综合评价", "95")])
    with pytest.raises(scores.ScoreError) as refused:
        scores.finalize(assessment, by=county_user, today=datetime.date(2019, 1, 10))
    assert "各指标分值合计为 95 分，应为 100 分" in refused.value.problems
    sb.single_manual_table(assessment)
    sb.give(assessment, areas[f.TOWNSHIP_A], "overall", "80", note="x")
    with pytest.raises(scores.ScoreError) as refused:
        scores.finalize(assessment, by=county_user, today=datetime.date(2019, 1, 10))
    assert refused.value.problems == ["阿旺镇：指标「综合评价」尚未打分"]


def test_finalize_stores_the_results_and_the_pages_stop_recomputing(client_for, county_user, scored, areas):
    sb.unit(scored, "省农业厅驻镇工作队", areas[f.TOWNSHIP_A], upper_level=True)
    client = client_for(county_user)
    response = client.post(reverse("assessment:score_finalize", args=[scored.pk]))
    assert response.status_code == 302
    scored.refresh_from_db()
    assert scored.scores_final and scored.finalized_by == county_user and scored.finalized_at
    stored = {r.township.code: (r.total, r.grade, r.rank, r.performance) for r in ScoreResult.objects.all()}
    assert stored == {
        f.TOWNSHIP_B: (D("100.00"), "good", 1, D("2.0000")),
        f.TOWNSHIP_A: (D("90.00"), "good", 2, D("1.8000")),
    }
    assert UnitResult.objects.get().performance == D("2.7000")
    # A later change of an input changes nothing shown.
    ManualScoreEntry.objects.filter(township=areas[f.TOWNSHIP_A]).update(points=D("10"))
    page = client.get(reverse("assessment:score_township", args=[scored.pk, f.TOWNSHIP_A]))
    assert page.context["board"].final
    assert page.context["township"].total == D("90.00")
    line = page.context["township"].lines[0]
    assert (line.points, line.note) == (D("90.00"), "扶贫档案缺 3 户帮扶簿")
    # Finalizing twice, editing the table or the manual scores is refused.
    again = client.post(reverse("assessment:score_finalize", args=[scored.pk]), follow=True)
    assert "得分已确定" in again.content.decode()
    table = client.post(reverse("assessment:indicator_table", args=[scored.pk]), {})
    assert table.status_code == 403


def test_a_township_clerk_sees_its_rank_only_once_final(client_for, township_a_user, county_user, scored):
    url = reverse("assessment:score_township", args=[scored.pk, f.TOWNSHIP_A])
    client = client_for(township_a_user)
    before = client.get(url)
    assert not before.context["show_rank"] and "确定后公布" in before.content.decode()
    scores.finalize(scored, by=county_user, today=datetime.date(2019, 1, 10))
    after = client.get(url)
    assert after.context["show_rank"] and "第 2 名" in after.content.decode()


def test_only_the_county_office_finalizes_or_edits_units(client_for, assessor_user, scored):
    client = client_for(assessor_user)
    assert client.post(reverse("assessment:score_finalize", args=[scored.pk])).status_code == 403
    assert client.get(reverse("assessment:score_units", args=[scored.pk])).status_code == 200
    assert client.post(reverse("assessment:score_units", args=[scored.pk]), {}).status_code == 403
