"""Pages of the yearly assessment (issue 6 parts 1–3): assessments, 贫困村, sample plans and draws, field sheets,
spot checks, the satisfaction survey and the rates with the households behind them."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.choices import AreaLevel
from households.models import Area, Household, YearlyIncome

from . import review_access as access
from .exports import heads, member_counts
from .judgements import OUTCOME_LABELS
from .models import Policy
from .rates import CHECK_RESULT_LABELS
from .review_exports import PART_LABELS, STATUS_LABELS, drawn_response
from .review_forms import (
    NEW_PLAN_INITIAL,
    AnswerForm,
    AssessmentForm,
    PlanForm,
    SpotCheckForm,
    StratumFormSet,
    check_initial,
    stratum_initial,
)
from .review_models import Assessment, SampledHousehold, SamplePlan, SatisfactionResponse, SpotCheck
from .review_rates import assessment_rates
from .samples import PlanError, draw_plan, name_villages, save_plan, stratum_populations
from .sampling import SATISFACTION_GROUP_LABELS, STRATUM_LABELS, sample_size
from .satisfaction import SurveyError, record_answer, respondent_for, survey_check, village_surveys
from .spot_checks import FINDING_LABELS, FOLLOW_UP_LABELS, CheckConflict, CheckError, findings_text, record_check

Purpose = SampledHousehold.Purpose
RATE_LABELS = {
    "missed": "漏评率",
    "wrong_inclusion": "错评率",
    "wrong_exit": "错退率",
    "identification_error": "识别误差率",
    "satisfaction": "群众认可度",
}
WHICH_LABELS = {"found": "发现户", "sampled": "样本户"}


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


# ---- assessments ----


@login_required
@require_GET
def assessment_list(request):
    access.require_reader(request.user)
    assessments = Assessment.objects.select_related("policy").annotate(plan_count=Count("plans")).order_by("-year")
    context = {"assessments": assessments, "can_record": access.can_record(request.user)}
    return render(request, "assessment/review/assessment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request):
    access.require_reader(request.user)
    access.require_recorder(request.user)
    return _assessment_form(request, Assessment(created_by=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk):
    assessment = access.get_assessment(request.user, pk)
    access.require_recorder(request.user)
    return _assessment_form(request, assessment)


def _assessment_form(request, assessment: Assessment):
    form = AssessmentForm(request.POST or None, instance=assessment)
    form.fields["policy"].queryset = Policy.objects.order_by("-income_year", "name")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if assessment.pk:
                stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
                if form.cleaned_data.get("opened_version") != stored.version:
                    form.add_error(None, ASSESSMENT_CONFLICT.format(version=stored.version))
                    return render(
                        request, "assessment/review/assessment_form.html", {"form": form, "assessment": assessment}
                    )
                form.instance.version = stored.version + 1
            saved = form.save()
        messages.success(request, f"已保存「{saved.name}」")
        return redirect("assessment:assessment_detail", pk=saved.pk)
    return render(request, "assessment/review/assessment_form.html", {"form": form, "assessment": assessment})


ASSESSMENT_CONFLICT = (
    "该考核已被他人修改（现为第{version}版），未保存。请刷新页面查看后重新修改（您填写的内容仍保留在下方）。"
)


@login_required
@require_GET
def assessment_detail(request, pk):
    assessment = access.get_assessment(request.user, pk)
    plans = list(access.visible_plans(request.user, assessment).select_related("area"))
    ids = [p.pk for p in plans]
    drawn = Counter()
    for plan_id, purpose, n in (
        SampledHousehold.objects.filter(plan_id__in=ids).values_list("plan_id", "purpose").annotate(n=Count("pk"))
    ):
        drawn[(plan_id, purpose)] = n
    checked = dict(
        SpotCheck.objects.filter(sampled__plan_id__in=ids)
        .values_list("sampled__plan_id")
        .annotate(n=Count("pk"))
        .values_list("sampled__plan_id", "n")
    )
    answered = dict(
        SatisfactionResponse.objects.filter(plan_id__in=ids)
        .values_list("plan_id")
        .annotate(n=Count("pk"))
        .values_list("plan_id", "n")
    )
    rows = [
        {
            "plan": p,
            "drawn": drawn[(p.pk, Purpose.CHECK)],
            "checked": checked.get(p.pk, 0),
            "respondents": drawn[(p.pk, Purpose.SATISFACTION)],
            "answered": answered.get(p.pk, 0),
        }
        for p in plans
    ]
    totals = {key: sum(r[key] for r in rows) for key in ("drawn", "checked", "respondents", "answered")}
    context = {
        "assessment": assessment,
        "rows": rows,
        "totals": totals,
        "can_record": access.can_record(request.user),
        "county_wide": not access.scope_code(request.user),
    }
    return render(request, "assessment/review/assessment_detail.html", context)


# ---- poor villages ----


@login_required
@require_http_methods(["GET", "POST"])
def poor_villages(request):
    access.require_reader(request.user)
    if access.scope_code(request.user):
        raise Http404("贫困村由县扶贫办设置")
    villages = list(Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent").order_by("code"))
    can_edit = request.user.role == "county"
    if request.method == "POST":
        access.require_poor_village_editor(request.user)
        chosen = set(request.POST.getlist("poor"))
        Area.objects.filter(level=AreaLevel.VILLAGE, code__in=chosen).update(is_poor_village=True)
        Area.objects.filter(level=AreaLevel.VILLAGE).exclude(code__in=chosen).update(is_poor_village=False)
        messages.success(request, f"已保存：贫困村 {len(chosen & {v.code for v in villages})} 个")
        return redirect("assessment:poor_villages")
    townships: dict[str, dict] = {}
    for village in villages:
        entry = townships.setdefault(
            village.code[:9],
            {"township": village.parent, "villages": [], "poor": 0},
        )
        entry["villages"].append(village)
        entry["poor"] += village.is_poor_village
    context = {
        "townships": list(townships.values()),
        "poor_total": sum(v.is_poor_village for v in villages),
        "village_total": len(villages),
        "can_edit": can_edit,
    }
    return render(request, "assessment/review/poor_villages.html", context)


# ---- sample plans ----


def _plan_areas():
    return Area.objects.filter(level__in=[AreaLevel.COUNTY, AreaLevel.TOWNSHIP]).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request, pk):
    assessment = access.get_assessment(request.user, pk)
    access.require_recorder(request.user)
    plan = SamplePlan(
        assessment=assessment, created_by=request.user, seed=f"{assessment.year}-考核", **NEW_PLAN_INITIAL
    )
    return _plan_form(request, plan)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = access.get_plan(request.user, pk, write=True)
    return _plan_form(request, plan)


def _plan_form(request, plan: SamplePlan):
    data = request.POST.copy() if request.method == "POST" else None
    form = PlanForm(data, instance=plan, areas=_plan_areas(), initial={"version": plan.version})
    strata = StratumFormSet(data, prefix="strata", initial=stratum_initial(plan))
    computed: list[str] = []
    conflict = ""
    if request.method == "POST" and form.is_valid() and strata.is_valid():
        area = form.cleaned_data["area"]
        if "compute" in request.POST:
            computed = _compute_sizes(plan.assessment, area, strata, data)
            form = PlanForm(data, instance=plan, areas=_plan_areas())
            strata = StratumFormSet(data, prefix="strata", initial=stratum_initial(plan))
            form.is_valid()
            strata.is_valid()
        else:
            rows = [row for row in (f.stratum_row() for f in strata) if row is not None]
            try:
                saved = save_plan(form.save(commit=False), rows, expected_version=form.cleaned_data.get("version"))
            except PlanError as error:
                conflict = str(error)
            else:
                messages.success(request, f"已保存抽样方案「{saved.name}」，请抽取样本户")
                return redirect("assessment:plan_detail", pk=saved.pk)
    context = {"form": form, "strata": strata, "plan": plan, "computed": computed, "conflict": conflict}
    return render(request, "assessment/review/plan_form.html", context)


def _compute_sizes(assessment: Assessment, area: Area, strata, data) -> list[str]:
    """按置信水平计算: each stratum with a confidence and a margin gets sampling.sample_size over its population."""
    populations = stratum_populations(assessment, area.code)
    lines = []
    for index, form in enumerate(strata.forms):
        cleaned = form.cleaned_data
        if cleaned.get("confidence") is None or cleaned.get("margin") is None:
            continue
        stratum = cleaned["stratum"]
        population = populations.get(stratum, 0)
        size = sample_size(population=population, margin=cleaned["margin"], confidence=cleaned["confidence"])
        data[f"strata-{index}-size"] = str(size)
        margin = format((cleaned["margin"] * 100).normalize(), "f")
        lines.append(
            f"{STRATUM_LABELS[stratum]}：{area.name}共 {population} 户，置信水平 {cleaned['confidence']}%、"
            f"允许误差 ±{margin}% 需抽取 {size} 户"
        )
    if not lines:
        lines.append("请在要计算的层填写置信水平和允许误差")
    return lines


def _area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


@login_required
@require_GET
def plan_detail(request, pk):
    plan = access.get_plan(request.user, pk)
    drawn = list(plan.drawn.filter(purpose=Purpose.CHECK).select_related("spot_check").order_by("position"))
    respondents = plan.drawn.filter(purpose=Purpose.SATISFACTION).count()
    names = heads(d.household_id for d in drawn)
    areas = _area_names([d.village_code for d in drawn] + list(plan.village_codes) + plan.satisfaction_village_codes)
    rows = [
        {
            "sampled": d,
            "head": names.get(d.household_id, ("", ""))[0],
            "village": areas.get(d.village_code, d.village_code),
            "stratum": STRATUM_LABELS.get(d.stratum, d.stratum),
            "part": PART_LABELS.get(d.part, d.part),
            "check": getattr(d, "spot_check", None),
        }
        for d in drawn
    ]
    context = {
        "plan": plan,
        "strata": list(plan.strata.all()),
        "rows": rows,
        "checked": sum(1 for r in rows if r["check"]),
        "respondents": respondents,
        "villages": [(code, areas.get(code, code)) for code in plan.village_codes],
        "survey_villages": [(code, areas.get(code, code)) for code in plan.satisfaction_village_codes],
        "can_record": access.can_record(request.user),
    }
    return render(request, "assessment/review/plan_detail.html", context)


@login_required
@require_POST
def plan_draw(request, pk):
    plan = access.get_plan(request.user, pk, write=True)
    version = request.POST.get("version", "")
    try:
        plan = draw_plan(plan, by=request.user, expected_version=int(version) if version.isdigit() else None)
    except PlanError as error:
        messages.error(request, str(error))
    else:
        count = plan.drawn.filter(purpose=Purpose.CHECK).count()
        messages.success(request, f"已抽取 {count} 户样本户（种子「{plan.seed}」）")
    return redirect("assessment:plan_detail", pk=plan.pk)


@login_required
@require_GET
def plan_export(request, pk):
    plan = access.get_plan(request.user, pk)
    return drawn_response(plan, user=request.user, ip_address=_ip(request))


@login_required
@require_GET
def plan_sheets(request, pk):
    """A4 field sheets: one drawn household per page (registry key fields, blanks for the findings)."""
    plan = access.get_plan(request.user, pk)
    drawn = list(plan.drawn.select_related("household").order_by("purpose", "position"))
    ids = [d.household_id for d in drawn]
    names, sizes = heads(ids), member_counts(ids)
    year = plan.assessment.policy.income_year
    incomes = {i.household_id: i for i in YearlyIncome.objects.filter(household_id__in=ids, year=year)}
    areas = _area_names([d.village_code for d in drawn] + [d.village_code[:9] for d in drawn])
    sheets = []
    for d in drawn:
        income = incomes.get(d.household_id)
        size = sizes.get(d.household_id, 0)
        sheets.append(
            {
                "sampled": d,
                "household": d.household,
                "head": names.get(d.household_id, ("", "")),
                "size": size,
                "net": income.net_income if income is not None else None,
                "per_capita": income.per_capita(size) if income is not None else None,
                "township": areas.get(d.village_code[:9], ""),
                "village": areas.get(d.village_code, ""),
                "stratum": STRATUM_LABELS.get(d.stratum, ""),
                "group": SATISFACTION_GROUP_LABELS.get(d.satisfaction_group, ""),
            }
        )
    context = {"plan": plan, "sheets": sheets, "year": year, "labels": FINDING_LABELS}
    return render(request, "assessment/review/field_sheets.html", context)


# ---- spot checks ----


@login_required
@require_http_methods(["GET", "POST"])
def check_record(request, pk):
    sampled = access.get_sampled(request.user, pk, write=request.method == "POST")
    if sampled.purpose != Purpose.CHECK:
        raise Http404("民意测评户不做抽查复核")
    check = SpotCheck.objects.filter(sampled=sampled).first()
    form = SpotCheckForm(request.POST or None, status=sampled.status, initial=check_initial(check))
    conflict = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = record_check(
                sampled,
                confirmed=data["confirmed"],
                findings=form.findings(),
                result=data["result"],
                reason=data["override_reason"],
                note=data["note"],
                by=request.user,
                expected_version=data.get("version"),
            )
        except CheckConflict as error:
            conflict = str(error)
        except (CheckError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已保存 {sampled.number} 的抽查结论：{check.get_result_display()}")
            return redirect("assessment:check_record", pk=sampled.pk)
    names = heads([sampled.household_id])
    year = sampled.plan.assessment.policy.income_year
    income = YearlyIncome.objects.filter(household_id=sampled.household_id, year=year).first()
    size = member_counts([sampled.household_id]).get(sampled.household_id, 0)
    context = {
        "household": sampled.household,
        "year": year,
        "size": size,
        "net": income.net_income if income else None,
        "per_capita": income.per_capita(size) if income else None,
        "sampled": sampled,
        "plan": sampled.plan,
        "check": check,
        "form": form,
        "conflict": conflict,
        "head": names.get(sampled.household_id, ("", "")),
        "findings": findings_text(check.findings) if check else [],
        "outcomes": [OUTCOME_LABELS.get(code, code) for code in check.outcome_codes] if check else [],
        "follow_up": FOLLOW_UP_LABELS.get(check.follow_up, "") if check else "",
        "status_label": STATUS_LABELS.get(sampled.status, sampled.status),
        "stratum": STRATUM_LABELS.get(sampled.stratum, ""),
        "can_record": access.can_record(request.user),
    }
    return render(request, "assessment/review/check_form.html", context)


# ---- satisfaction ----


@login_required
@require_http_methods(["GET", "POST"])
def satisfaction_survey(request, pk):
    plan = access.get_plan(request.user, pk, write=request.method == "POST")
    form = AnswerForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            respondent = respondent_for(plan, data["number"].strip())
            record_answer(
                plan, respondent, answer=data["answer"], name=data["respondent"], note=data["note"], by=request.user
            )
        except SurveyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已记录 {respondent.number} 的测评结果")
            return redirect("assessment:satisfaction_survey", pk=plan.pk)
    drawn = list(plan.drawn.filter(purpose=Purpose.SATISFACTION).order_by("village_code", "position"))
    responses = list(plan.responses.order_by("village_code", "number"))
    names = _area_names(plan.satisfaction_village_codes)
    check = survey_check(responses, plan)
    context = {
        "plan": plan,
        "form": form,
        "villages": village_surveys(plan, drawn, responses, names),
        "problems": name_villages(check.problems, names) if responses else ["尚未录入测评结果"],
        "answered": len(responses),
        "approving": sum(1 for r in responses if r.answer != SatisfactionResponse.Answer.DISSATISFIED),
        "can_record": access.can_record(request.user),
    }
    return render(request, "assessment/review/satisfaction.html", context)


# ---- rates ----


def _rate_rows(assessment: Assessment, scope: str):
    townships, county = assessment_rates(assessment, scope_code=scope)
    names = _area_names(list(townships) + [county.area])

    def row(code: str, rates) -> dict:
        cells = [{"key": key, "label": label, "rate": getattr(rates, key)} for key, label in RATE_LABELS.items()]
        return {"code": code, "name": names.get(code, code), "cells": cells, "sampled": rates.sampled}

    return [row(code, rates) for code, rates in townships.items()], row(county.area, county)


@login_required
@require_GET
def rates(request, pk):
    assessment = access.get_assessment(request.user, pk)
    scope = access.scope_code(request.user)
    rows, total = _rate_rows(assessment, scope)
    context = {
        "assessment": assessment,
        "rows": rows,
        "total": None if scope else total,
        "rate_labels": RATE_LABELS,
        "basis": assessment.get_rate_basis_display(),
    }
    return render(request, "assessment/review/rates.html", context)


@login_required
@require_GET
def rate_households(request, pk):
    assessment = access.get_assessment(request.user, pk)
    scope = access.scope_code(request.user)
    rate_name = request.GET.get("rate", "")
    which = request.GET.get("which", "")
    area = request.GET.get("area", "")
    if rate_name not in RATE_LABELS or which not in WHICH_LABELS:
        raise Http404("没有这个比率")
    if scope and not area.startswith(scope):
        raise Http404("不在您的管辖范围内")
    townships, county = assessment_rates(assessment, scope_code=scope)
    area_rates = townships.get(area) if area in townships else (county if area == county.area else None)
    if area_rates is None:
        raise Http404("该地区没有抽查结果")
    rate = getattr(area_rates, rate_name)
    numbers = rate.found_households if which == "found" else rate.sampled_households
    households = list(Household.objects.filter(number__in=numbers).select_related("area").order_by("number"))
    ids = [h.pk for h in households]
    names = heads(ids)
    if rate_name == "satisfaction":
        answers = {
            r.household_id: r.get_answer_display()
            for r in SatisfactionResponse.objects.filter(plan__assessment=assessment, household_id__in=ids)
        }
    else:
        answers = {
            c.sampled.household_id: c.get_result_display()
            for c in SpotCheck.objects.filter(sampled__plan__assessment=assessment, sampled__household_id__in=ids)
            .select_related("sampled")
            .order_by("checked_at", "pk")
        }
    area_names = _area_names([area, *(h.village_code for h in households)])
    rows = [
        {
            "household": h,
            "head": names.get(h.pk, ("", ""))[0],
            "village": area_names.get(h.village_code, h.village_code),
            "result": answers.get(h.pk, ""),
        }
        for h in households
    ]
    context = {
        "assessment": assessment,
        "rate": rate,
        "rate_label": RATE_LABELS[rate_name],
        "which_label": WHICH_LABELS[which],
        "area_name": area_names.get(area, area),
        "rows": rows,
        "result_label": "测评结果" if rate_name == "satisfaction" else "抽查结论",
        "results": CHECK_RESULT_LABELS,
    }
    return render(request, "assessment/review/rate_households.html", context)


__all__ = [
    "assessment_create",
    "assessment_detail",
    "assessment_edit",
    "assessment_list",
    "check_record",
    "get_object_or_404",
    "plan_create",
    "plan_detail",
    "plan_draw",
    "plan_edit",
    "plan_export",
    "plan_sheets",
    "poor_villages",
    "rate_households",
    "rates",
    "satisfaction_survey",
]
