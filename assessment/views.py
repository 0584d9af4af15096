"""Assessment pages: policies, evaluation runs, candidate lists and the decision sheet (判定依据单)."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.access import get_household_for_user, require_registry_reader
from households.choices import Relation
from households.dossier import area_path
from households.models import AccessLog, Job

from . import candidates as cands
from . import evaluation_jobs
from .access import can_manage_policies, require_policy_manager, require_policy_reader
from .export_kinds import OUTCOME_HEADERS, outcome_rows
from .exports import XLSX, write_sheet
from .forms import PolicyForm, RunForm
from .judgements import CANDIDATE_CODES, CODE_LABELS, decision_sheet, judgement_record
from .models import EvaluationRun, Policy
from .rules import PolicyIncomplete
from .services import PolicyConflict, evaluate_one, make_current, save_policy

RUNS_SHOWN = 50


@login_required
@require_GET
def policy_list(request):
    require_policy_reader(request.user)
    policies = Policy.objects.select_related("updated_by")
    context = {"policies": policies, "can_manage": can_manage_policies(request.user)}
    return render(request, "assessment/policy_list.html", context)


@login_required
@require_GET
def policy_detail(request, pk):
    require_policy_reader(request.user)
    policy = get_object_or_404(Policy.objects.select_related("updated_by"), pk=pk)
    history = policy.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    context = {"policy": policy, "history": history, "can_manage": can_manage_policies(request.user)}
    return render(request, "assessment/policy_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request):
    require_policy_manager(request.user)
    return _policy_form(request, Policy())


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk):
    require_policy_manager(request.user)
    return _policy_form(request, get_object_or_404(Policy, pk=pk))


def _policy_form(request, policy: Policy):
    form = PolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            changed = save_policy(form.instance, by=request.user, expected_version=form.cleaned_data.get("version"))
        except PolicyConflict as error:
            conflict = str(error)
        else:
            saved = form.instance
            text = f"已保存政策「{saved.name}」第{saved.version}版" if changed else f"政策「{saved.name}」没有修改"
            messages.success(request, text)
            if saved.missing_message:
                messages.warning(request, saved.missing_message)
            return redirect("assessment:policy_detail", pk=saved.pk)
    context = {"form": form, "policy": policy, "conflict": conflict}
    return render(request, "assessment/policy_form.html", context, status=409 if conflict else 200)


@login_required
@require_POST
def policy_make_current(request, pk):
    require_policy_manager(request.user)
    policy = get_object_or_404(Policy, pk=pk)
    make_current(policy, by=request.user)
    messages.success(request, f"已将「{policy.name}」设为当前政策")
    return redirect("assessment:policies")


@login_required
@require_GET
def run_list(request):
    require_policy_reader(request.user)
    return _run_page(request, RunForm() if can_manage_policies(request.user) else None)


@login_required
@require_POST
def run_start(request):
    """Queue an evaluation of the user's area as a background job and show its page (docs/jobs.md)."""
    require_policy_manager(request.user)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            job = evaluation_jobs.start_evaluation(policy=form.cleaned_data["policy"], user=request.user)
        except PolicyIncomplete as error:
            form.add_error("policy", str(error))
        except evaluation_jobs.EvaluationBusy as error:
            form.add_error(None, str(error))
        else:
            return redirect("households:job_detail", job_id=job.pk)
    return _run_page(request, form)


def _run_page(request, form):
    runs = EvaluationRun.objects.select_related("policy", "started_by")[:RUNS_SHOWN]
    active = evaluation_jobs.jobs_in_progress(Job.objects.visible_to(request.user))
    context = {
        "runs": runs,
        "form": form,
        "labels": CODE_LABELS,
        "codes": CANDIDATE_CODES,
        "active_jobs": active.select_related("user").defer("result")[:5],
    }
    return render(request, "assessment/run_list.html", context)


@login_required
@require_GET
def candidate_index(request):
    require_registry_reader(request.user)
    run = _run(request)
    counts = cands.code_counts(run, request.user) if run else {}
    rows = [(code, CODE_LABELS[code], counts.get(code, 0)) for code in CANDIDATE_CODES]
    return render(request, "assessment/candidate_index.html", {"run": run, "rows": rows})


@login_required
@require_GET
def candidate_list(request, code):
    require_registry_reader(request.user)
    if code not in CODE_LABELS:
        raise Http404("没有这种评估结果")
    run = _run(request)
    context = {"run": run, "code": code, "label": CODE_LABELS[code], "area": "", "rows": [], "page": None}
    if run is not None:
        outcomes = cands.scoped_outcomes(run, request.user).filter(code=code)
        area = _area_param(request)
        listed = cands.scoped_outcomes(run, request.user, area_code=area).filter(code=code) if area else outcomes
        page, rows = cands.candidate_page(listed, request.GET.get("page"), settings.LIST_PAGE_SIZE)
        townships = cands.area_counts(outcomes)
        context.update(
            area=area,
            townships=townships,
            scope_total=sum(t.count for t in townships),
            page=page,
            rows=rows,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            run_param=request.GET.get("run", ""),
        )
    return render(request, "assessment/candidate_list.html", context)


@login_required
@require_GET
def candidate_export(request, code):
    """The candidate list of one outcome (or one DQ warning) as Excel: the user's scope only, IDs masked, logged."""
    require_registry_reader(request.user)
    if code not in CODE_LABELS:
        raise Http404("没有这种评估结果")
    run = _run(request)
    if run is None:
        raise Http404("还没有覆盖您管辖范围的评估批次")
    outcomes = cands.scoped_outcomes(run, request.user, area_code=_area_param(request))
    buffer = io.BytesIO()
    count = write_sheet(buffer, CODE_LABELS[code], OUTCOME_HEADERS, outcome_rows(outcomes, code))
    AccessLog.objects.create(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"导出{CODE_LABELS[code]}（评估批次 #{run.pk}）",
        detail="证件号码已打码",
        row_count=count,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="candidates-{code}.xlsx"'
    return response


def _run(request) -> EvaluationRun | None:
    """The latest finished run covering the user's scope, or ``?run=`` if it is one (404 otherwise)."""
    run_id = request.GET.get("run")
    run = cands.run_for_user(request.user, run_id)
    if run is None and run_id:
        raise Http404("没有这个评估批次，或它不覆盖您的管辖范围")
    return run


def _area_param(request) -> str:
    """?area= a township, village or group code inside the user's scope; anything else is left out."""
    area = request.GET.get("area", "").strip()
    scope = request.user.area.code if request.user.area_id else None
    if scope and area.isdigit() and len(area) in (9, 12, 15) and area.startswith(scope) and len(area) > len(scope):
        return area
    return ""


@login_required
@require_GET
def household_judgement(request, number):
    household = get_household_for_user(request.user, number)
    run = cands.latest_run(household.area_code)
    result = cands.stored_result(run, household)
    policy = run.policy if run is not None else Policy.objects.filter(is_current=True).first()
    record, problem = None, ""
    if result is not None:
        record = result.judgement
    elif policy is None:
        problem = "尚未设置当前政策，也没有评估批次，无法判定。"
    elif policy.missing_message:
        problem = f"政策「{policy.name}」{policy.missing_message}。"
    else:
        record = judgement_record(evaluate_one(household, policy))
    context = {
        "household": household,
        "area_path": area_path(household),
        "run": run,
        "result": result,
        "policy": policy,
        "sheet": decision_sheet(record) if record is not None else None,
        "problem": problem,
        "head": household.members.filter(is_active=True, relation=Relation.HEAD).order_by("pk").first(),
        "member_count": household.members.filter(is_active=True).count(),
        "outdated": result is not None and run.policy.version != run.policy_version,
    }
    return render(request, "assessment/judgement.html", context)
