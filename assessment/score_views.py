"""Township scores pages (issue 6 part 4): indicator table, manual scores, overview, a township's page, appeals,
supporting units and finalization. Services in ``scores.py``; who may do what in the helpers at the top.

Roles: the county office manages everything; assessors (考核组) also enter manual scores; leaders read; a township
clerk sees only its own township's page and appeals (another township: 404); other roles: 403.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.choices import Role
from households.models import Area, User

from . import scores
from .review_models import Assessment
from .score_exports import scores_response
from .score_forms import AppealForm, DecisionForm, IndicatorFormSet, ManualScoreFormSet, TableForm, UnitFormSet
from .score_models import IndicatorTable, ManualScoreEntry, ScoreAppeal, SupportingUnit

READERS = frozenset({Role.COUNTY, Role.ASSESSOR, Role.LEADER})
SCORERS = frozenset({Role.COUNTY, Role.ASSESSOR})


def _role(user: User) -> str:
    return user.role if user.is_active else ""


def _require(user: User, roles: frozenset[str], message: str) -> None:
    if _role(user) not in roles:
        raise PermissionDenied(message)


def _require_reader(user: User) -> None:
    """County-wide readers and township clerks; the page itself limits a clerk to its township."""
    _require(user, READERS | {Role.TOWNSHIP}, "您的角色不能查看考核得分")


def _own_township(user: User) -> str:
    """A township clerk's township code (its scope is the township)."""
    return user.area.code[:9] if user.area_id else ""


def _township_for(user: User, code: str) -> Area:
    """The township whose page is asked for: 404 outside a clerk's scope or outside the county's townships."""
    _require_reader(user)
    if _role(user) == Role.TOWNSHIP and code != _own_township(user):
        raise Http404("没有找到该乡镇，或不在您的管辖范围内")
    area = Area.objects.filter(code=code, level="township").first()
    if area is None:
        raise Http404("没有找到该乡镇")
    return area


def _today():
    return timezone.localdate()


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
@require_GET
def score_overview(request, pk):
    user = request.user
    _require_reader(user)
    assessment = get_object_or_404(Assessment, pk=pk)
    if _role(user) == Role.TOWNSHIP:
        return redirect("assessment:score_township", pk=pk, code=_own_township(user))
    board = scores.build_board(assessment, today=_today())
    pending = scores.pending_appeal_count(assessment)
    context = {
        "assessment": assessment,
        "board": board,
        "pending": pending,
        "problems": scores.finalize_problems(board, pending),
        "can_manage": _role(user) == Role.COUNTY,
    }
    return render(request, "assessment/scores/overview.html", context)


@login_required
@require_GET
def score_print(request, pk):
    _require(request.user, READERS, "您的角色不能打印考核得分")
    assessment = get_object_or_404(Assessment, pk=pk)
    board = scores.build_board(assessment, today=_today())
    return render(request, "assessment/scores/print.html", {"assessment": assessment, "board": board})


@login_required
@require_GET
def score_export(request, pk):
    _require(request.user, READERS, "您的角色不能导出考核得分")
    assessment = get_object_or_404(Assessment, pk=pk)
    board = scores.build_board(assessment, today=_today())
    return scores_response(board, user=request.user, ip_address=_ip(request))


@login_required
@require_GET
def score_township(request, pk, code):
    township = _township_for(request.user, code)
    assessment = get_object_or_404(Assessment, pk=pk)
    board = scores.build_board(assessment, today=_today())
    result = board.township(township.code)
    if result is None:
        raise Http404("该乡镇没有考核结果")
    is_clerk = _role(request.user) == Role.TOWNSHIP
    closed = scores.appeal_closed_reason(assessment, _today())
    appeals = ScoreAppeal.objects.filter(assessment=assessment, township=township).select_related("decided_by")
    context = {
        "assessment": assessment,
        "board": board,
        "township": result,
        "appeals": list(appeals.order_by("-submitted_at")),
        "can_appeal": is_clerk and not closed and bool(result.deductions),
        "appeal_closed": closed,
        "show_rank": board.final or not is_clerk,
    }
    return render(request, "assessment/scores/township.html", context)


@login_required
@require_POST
def score_finalize(request, pk):
    _require(request.user, frozenset({Role.COUNTY}), "只有县扶贫办可以确定考核得分")
    assessment = get_object_or_404(Assessment, pk=pk)
    try:
        scores.finalize(assessment, by=request.user, today=_today())
    except scores.ScoreError as error:
        messages.error(request, "不能确定得分：" + "；".join(error.problems))
    else:
        messages.success(request, "考核得分已确定，各页面显示确定时的结果，不再接受申诉")
    return redirect("assessment:score_overview", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_table(request, pk):
    user = request.user
    _require(user, READERS, "您的角色不能查看考核指标表")
    assessment = get_object_or_404(Assessment, pk=pk)
    can_edit = _role(user) == Role.COUNTY and not assessment.scores_final
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("只有县扶贫办可以在得分确定前修改考核指标表")
    table = scores.get_table(assessment)
    rows = scores.table_rows(table)
    initial_rows = [
        {f: getattr(r, f) for f in ("code", "name", "weight", "measure", "direction", "target", "bound", "unit")}
        | {"if_no_data": r.if_no_data}
        for r in rows
    ]
    example = request.method == "GET" and request.GET.get("example") == "1"
    if example:
        initial_rows = scores.example_rows()
    as_of = table.as_of if table else IndicatorTable.default_as_of(assessment.year)
    meta = TableForm(request.POST or None, initial={"as_of": as_of, "version": table.version if table else None})
    formset = IndicatorFormSet(request.POST or None, initial=initial_rows, prefix="rows")
    conflict = ""
    if request.method == "POST" and meta.is_valid() and formset.is_valid():
        try:
            saved = scores.save_indicator_table(
                assessment,
                rows=formset.rows(),
                as_of=meta.cleaned_data["as_of"],
                expected_version=meta.cleaned_data.get("version"),
                by=user,
            )
        except scores.ScoreConflict as error:
            conflict = str(error)
        except scores.ScoreError as error:
            for problem in error.problems:
                meta.add_error(None, problem)
        else:
            messages.success(request, f"已保存考核指标表（第{saved.version}版），各乡镇得分随之重新计算")
            return redirect("assessment:indicator_table", pk=pk)
    context = {
        "assessment": assessment,
        "table": table,
        "rows": rows,
        "rows_with_rules": [(r, scores.rule_text(r)) for r in rows],
        "meta": meta,
        "formset": formset,
        "can_edit": can_edit,
        "example": example,
        "conflict": conflict,
        "weight_total": sum((r.weight for r in rows), Decimal(0)),
    }
    return render(request, "assessment/scores/indicators.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def score_manual(request, pk):
    user = request.user
    _require(user, SCORERS, "只有县扶贫办和考核组可以录入手工打分")
    assessment = get_object_or_404(Assessment, pk=pk)
    manual_rows = [r for r in scores.table_rows(scores.get_table(assessment)) if r.is_manual]
    code = request.GET.get("indicator") or (manual_rows[0].code if manual_rows else "")
    indicator = next((r for r in manual_rows if r.code == code), None)
    if manual_rows and indicator is None:
        raise Http404("指标表中没有该手工打分指标")
    townships = scores.county_townships(assessment)
    entries = {}
    if indicator:
        entries = {
            e.township_id: e
            for e in ManualScoreEntry.objects.filter(assessment=assessment, indicator_code=indicator.code)
        }
    initial = [
        {
            "township": a.code,
            "points": entries[a.pk].points if a.pk in entries else None,
            "note": entries[a.pk].note if a.pk in entries else "",
            "version": entries[a.pk].version if a.pk in entries else 0,
        }
        for a in townships
    ]
    weight = indicator.weight if indicator else None
    data = request.POST if request.method == "POST" else None
    formset = ManualScoreFormSet(data, initial=initial, prefix="scores", form_kwargs={"weight": weight})
    conflict = ""
    if request.method == "POST":
        if indicator is None or assessment.scores_final:
            raise PermissionDenied("得分已确定或没有手工打分指标，不能录入")
        by_code = {a.code: a for a in townships}
        if formset.is_valid():
            inputs = [
                scores.ManualInput(
                    by_code[f.cleaned_data["township"]],
                    f.cleaned_data.get("points"),
                    (f.cleaned_data.get("note") or "").strip(),
                    f.cleaned_data.get("version") or 0,
                )
                for f in formset.forms
                if f.cleaned_data.get("township") in by_code
            ]
            try:
                changed = scores.save_manual_scores(assessment, indicator=indicator, inputs=inputs, by=user)
            except scores.ScoreConflict as error:
                conflict = str(error)
            except scores.ScoreError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"已保存「{indicator.name}」的得分（{changed} 个乡镇有变动）")
                return redirect(f"{request.path}?indicator={indicator.code}")
    names = {a.code: a.name for a in townships}
    context = {
        "assessment": assessment,
        "manual_rows": manual_rows,
        "indicator": indicator,
        "rows": [(names.get(f["township"].value(), f["township"].value()), f) for f in formset.forms],
        "formset": formset,
        "conflict": conflict,
        "can_edit": not assessment.scores_final,
    }
    return render(request, "assessment/scores/manual.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def score_units(request, pk):
    user = request.user
    _require(user, READERS, "您的角色不能查看帮扶单位")
    assessment = get_object_or_404(Assessment, pk=pk)
    can_edit = _role(user) == Role.COUNTY and not assessment.scores_final
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("只有县扶贫办可以在得分确定前修改帮扶单位")
    townships = scores.county_townships(assessment)
    units = list(SupportingUnit.objects.filter(assessment=assessment).select_related("township"))
    initial = [{"name": u.name, "township": u.township.code, "upper_level": u.upper_level} for u in units]
    formset = UnitFormSet(request.POST or None, initial=initial, prefix="units", form_kwargs={"townships": townships})
    if request.method == "POST" and formset.is_valid():
        by_code = {a.code: a for a in townships}
        kept = [
            f.cleaned_data for f in formset.forms if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        ]
        try:
            scores.save_units(
                assessment, units=[(d["name"].strip(), by_code[d["township"]], d["upper_level"]) for d in kept]
            )
        except scores.ScoreError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已保存帮扶单位（{len(kept)} 个）")
            return redirect("assessment:score_units", pk=pk)
    context = {"assessment": assessment, "units": units, "formset": formset, "can_edit": can_edit}
    return render(request, "assessment/scores/units.html", context)


# ---- appeals ----


def _appeal_for(user: User, assessment: Assessment, appeal_pk: int) -> ScoreAppeal:
    _require_reader(user)
    appeals = ScoreAppeal.objects.filter(assessment=assessment)
    if _role(user) == Role.TOWNSHIP:
        appeals = appeals.filter(township__code=_own_township(user))
    appeal = appeals.select_related("township", "submitted_by", "decided_by").filter(pk=appeal_pk).first()
    if appeal is None:
        raise Http404("没有找到该申诉，或不在您的管辖范围内")
    return appeal


@login_required
@require_GET
def appeal_list(request, pk):
    user = request.user
    _require_reader(user)
    assessment = get_object_or_404(Assessment, pk=pk)
    appeals = ScoreAppeal.objects.filter(assessment=assessment).select_related("township", "submitted_by")
    if _role(user) == Role.TOWNSHIP:
        appeals = appeals.filter(township__code=_own_township(user))
    status = request.GET.get("status", "")
    if status in ScoreAppeal.Status.values:
        appeals = appeals.filter(status=status)
    context = {
        "assessment": assessment,
        "appeals": list(appeals.order_by("-submitted_at", "-pk")),
        "status": status,
        "statuses": ScoreAppeal.Status.choices,
        "is_clerk": _role(user) == Role.TOWNSHIP,
    }
    return render(request, "assessment/scores/appeal_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_create(request, pk):
    user = request.user
    _require(user, frozenset({Role.TOWNSHIP}), "只有乡镇扶贫专干可以对本乡镇的扣分提出申诉")
    assessment = get_object_or_404(Assessment, pk=pk)
    township = _township_for(user, _own_township(user))
    closed = scores.appeal_closed_reason(assessment, _today())
    board = scores.build_board(assessment, today=_today())
    result = board.township(township.code)
    deductions = result.deductions if result else []
    form = AppealForm(request.POST or None, request.FILES or None, deductions=deductions)
    if request.method == "POST" and not closed and form.is_valid():
        rows = {r.code: r for r in scores.table_rows(scores.get_table(assessment))}
        try:
            appeal = scores.submit_appeal(
                assessment,
                township=township,
                indicator=rows[form.cleaned_data["indicator"]],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data.get("evidence"),
                by=user,
                today=_today(),
            )
        except scores.ScoreError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已提交对「{appeal.indicator_name}」的申诉，等待县扶贫办处理")
            return redirect("assessment:appeal_detail", pk=pk, appeal=appeal.pk)
    context = {"assessment": assessment, "township": result, "form": form, "closed": closed}
    return render(request, "assessment/scores/appeal_form.html", context)


@login_required
@require_GET
def appeal_detail(request, pk, appeal):
    assessment = get_object_or_404(Assessment, pk=pk)
    found = _appeal_for(request.user, assessment, appeal)
    can_decide = _role(request.user) == Role.COUNTY and found.is_pending and not assessment.scores_final
    context = {
        "assessment": assessment,
        "appeal": found,
        "form": DecisionForm() if can_decide else None,
    }
    return render(request, "assessment/scores/appeal_detail.html", context)


@login_required
@require_POST
def appeal_decide(request, pk, appeal):
    assessment = get_object_or_404(Assessment, pk=pk)
    found = _appeal_for(request.user, assessment, appeal)
    _require(request.user, frozenset({Role.COUNTY}), "只有县扶贫办可以处理申诉")
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            scores.decide_appeal(
                found,
                accept=form.cleaned_data["decision"] == "accept",
                response=form.cleaned_data["response"],
                by=request.user,
            )
        except scores.ScoreError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "已处理申诉；如修改了手工得分或抽查结论，得分已随之重新计算")
            return redirect("assessment:appeal_detail", pk=pk, appeal=found.pk)
    context = {"assessment": assessment, "appeal": found, "form": form}
    return render(request, "assessment/scores/appeal_detail.html", context, status=200)


@login_required
@require_GET
def appeal_evidence(request, pk, appeal):
    assessment = get_object_or_404(Assessment, pk=pk)
    found = _appeal_for(request.user, assessment, appeal)
    if not found.evidence:
        raise Http404("该申诉没有证明材料")
    try:
        handle = found.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("证明材料文件不存在") from None
    return FileResponse(handle, as_attachment=True, filename=found.evidence_name or found.evidence.name)
