"""Case pages: the list, opening a case, the case page with its transitions, the moves, submission, complaints."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.access import get_household_for_user, require_registry_editor, require_registry_reader, visible_areas
from households.choices import Relation
from households.dossier import area_path
from households.idnumber import mask_id_number
from households.models import Member

from . import cases as case_services
from . import publicity
from .case_access import get_case_for_user, get_complaint_for_user, visible_cases
from .case_forms import CaseOpenForm, ComplaintForm, ResolveForm, ReturnForm, StageForm, WithdrawForm
from .exports import cases_response
from .judgements import OUTCOME_LABELS, decision_sheet
from .models import AdjustmentCase, Campaign, CaseError, Meeting, MeetingItem, WindowEntry
from .signals import case_panels
from .workflow import (
    KIND_FOR_OUTCOME,
    OPEN_ROLES,
    PATH,
    RETURN_ROLES,
    STAGE_INDEX,
    WITHDRAW_ROLES,
    CaseKind,
    Stage,
    Via,
    return_targets,
)


def case_filters(request, queryset):
    """?stage= ?kind= ?area= ?year= ?q= on a queryset of visible cases; returns (queryset, the values used)."""
    values = {key: request.GET.get(key, "").strip() for key in ("stage", "kind", "area", "year", "q")}
    if values["stage"] == "open":
        queryset = queryset.open()
    elif values["stage"] in Stage.values:
        queryset = queryset.filter(stage=values["stage"])
    if values["kind"] in CaseKind.values:
        queryset = queryset.filter(kind=values["kind"])
    scope = request.user.area.code if request.user.area_id else ""
    area = values["area"]
    if area.isdigit() and len(area) in (9, 12, 15) and area.startswith(scope):
        queryset = queryset.in_scope(area)
    else:
        values["area"] = ""
    if values["year"].isdigit():
        queryset = queryset.filter(campaign__year=int(values["year"]))
    if values["q"]:
        queryset = queryset.filter(Q(number__icontains=values["q"]) | Q(household__number=values["q"]))
    return queryset, values


def head_names(households) -> dict[int, tuple[str, str]]:
    """The heads of a page of households, with masked ID numbers: one query."""
    rows = (
        Member.objects.filter(household_id__in=[h.pk for h in households], is_active=True, relation=Relation.HEAD)
        .order_by("pk")
        .values_list("household_id", "name", "id_number")
    )
    heads: dict[int, tuple[str, str]] = {}
    for household_id, name, id_number in rows:
        heads.setdefault(household_id, (name, mask_id_number(id_number)))
    return heads


@login_required
@require_GET
def case_list(request):
    require_registry_reader(request.user)
    queryset, filters = case_filters(request, visible_cases(request.user))
    queryset = queryset.select_related("household__area__parent", "campaign").order_by("-opened_at", "-pk")
    page = Paginator(queryset, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    heads = head_names([c.household for c in items]) if items else {}
    rows = [(case, *heads.get(case.household_id, ("", ""))) for case in items]
    villages = visible_areas(request.user).filter(level="village").select_related("parent")
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "stages": Stage.choices,
        "kinds": CaseKind.choices,
        "villages": villages,
        "years": Campaign.objects.values_list("year", flat=True),
        "can_edit": request.user.can_edit_registry,
    }
    return render(request, "assessment/cases/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request):
    number = request.GET.get("household") or request.POST.get("household") or ""
    household = get_household_for_user(request.user, number, write=True)
    kind = request.GET.get("kind") or KIND_FOR_OUTCOME.get(request.GET.get("outcome", ""), "")
    initial = {"kind": kind}
    if request.GET.get("outcome") == "MEMBER_REMOVAL":
        initial["removes_household"] = "0"
    form = CaseOpenForm(request.POST or None, household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.user.role not in OPEN_ROLES[data["kind"]]:
            raise PermissionDenied(f"您的角色不能立{CaseKind(data['kind']).label}案件")
        try:
            case = case_services.open_case(
                household,
                kind=data["kind"],
                by=request.user,
                reason=data["reason"],
                return_cause=data["return_cause"],
                evidence=data["evidence"],
                removes_household=data["removes_household"],
                removed_members=list(data["members"]),
                note=data["note"],
            )
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"已立案：{case.number}（{case.kind_label}）")
            return redirect("assessment:case_detail", number=case.number)
    open_cases = household.cases.open().order_by("opened_at")
    context = {"household": household, "form": form, "open_cases": open_cases, "area_path": area_path(household)}
    return render(request, "assessment/cases/open.html", context)


@login_required
@require_GET
def case_detail(request, number):
    case = get_case_for_user(request.user, number)
    household = case.household
    user = request.user
    today = timezone.localdate()
    step = case.next_step
    on_window = (
        WindowEntry.objects.filter(case=case, removed_at__isnull=True, window__status="open")
        .select_related("window")
        .first()
    )
    panels = [
        response
        for _receiver, response in case_panels.send(sender=AdjustmentCase, case=case, user=user, request=request)
        if response
    ]
    head = household.members.filter(is_active=True, relation=Relation.HEAD).order_by("pk").first()
    editable = user.can_edit_registry and case.is_open
    context = {
        "case": case,
        "household": household,
        "area_path": area_path(household),
        "head": head,
        "head_id": mask_id_number(head.id_number) if head else "",
        "member_count": household.members.filter(is_active=True).count(),
        "stepper": _stepper(case),
        "transitions": case.transitions.select_related("by").order_by("at", "pk"),
        "removals": case.member_removals.select_related("member"),
        "meeting_items": MeetingItem.objects.filter(
            Q(case=case)
            | Q(
                meeting__kind=Meeting.Kind.ANALYSIS,
                meeting__campaign_id=case.campaign_id,
                household_id=case.household_id,
            )
        )
        .select_related("meeting")
        .order_by("meeting__held_on", "pk"),
        "window_entries": case.window_entries.select_related("window", "added_by", "removed_by").order_by("added_at"),
        "complaints": case.complaints.select_related("window", "recorded_by", "resolved_by").order_by(
            "received_on", "pk"
        ),
        "panels": panels,
        "outcome_label": OUTCOME_LABELS.get(case.rule_outcome, ""),
        "sheet": decision_sheet(case.judgement) if case.judgement else None,
        "step": step,
        "can_advance": editable and step is not None and step.via == Via.MANUAL and user.role in step.roles,
        "can_submit": editable and step is not None and step.via == Via.SUBMISSION and user.role in step.roles,
        "advance_form": StageForm(initial={"stage": case.stage}),
        "return_form": ReturnForm(stage=case.stage)
        if editable and user.role in RETURN_ROLES.get(case.stage, ()) and return_targets(case.stage)
        else None,
        "withdraw_form": WithdrawForm(initial={"stage": case.stage})
        if editable and user.role in WITHDRAW_ROLES.get(case.stage, ())
        else None,
        "complaint_form": ComplaintForm(initial={"received_on": today})
        if on_window and user.role in publicity.COMPLAINT_ROLES and user.can_edit_registry
        else None,
        "on_window": on_window,
        "can_resolve": user.role in publicity.RESOLVE_ROLES and user.can_edit_registry,
        "resolve_form": ResolveForm(initial={"decision": ResolveForm.DISMISS}),
    }
    return render(request, "assessment/cases/detail.html", context)


def _stepper(case: AdjustmentCase) -> list[tuple[str, str, str]]:
    """(label, state, stage) for each stage of the path: done, current or todo (a withdrawn case: where it stopped)."""
    current = case.stage
    if current == Stage.WITHDRAWN:
        last = case.transitions.order_by("-at", "-pk").values_list("source_stage", flat=True).first()
        index = STAGE_INDEX.get(last, 0)
    else:
        index = STAGE_INDEX[current]
    rows = []
    for i, stage in enumerate(PATH):
        state = "done" if i < index or current == Stage.APPROVED else ("current" if i == index else "todo")
        if current == Stage.WITHDRAWN and i == index:
            state = "stopped"
        rows.append((Stage(stage).label, state, stage))
    return rows


def _moved(request, case: AdjustmentCase, message: str):
    messages.success(request, message)
    return redirect("assessment:case_detail", number=case.number)


def _refused(request, case: AdjustmentCase, error: CaseError):
    messages.error(request, error.message)
    return redirect("assessment:case_detail", number=case.number)


@login_required
@require_POST
def case_advance(request, number):
    case = get_case_for_user(request.user, number, write=True)
    form = StageForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, CaseError("请求无效，请刷新页面后重试"))
    step = case.next_step
    if step is not None and step.via == Via.MANUAL and request.user.role not in step.roles:
        raise PermissionDenied(f"您的角色不能办理「{step.label}」")
    try:
        case = case_services.advance_case(
            case,
            by=request.user,
            note=form.cleaned_data["note"],
            expected_stage=form.cleaned_data["stage"],
            today=timezone.localdate(),
        )
    except CaseError as error:
        return _refused(request, case, error)
    return _moved(request, case, f"案件 {case.number} 已进入「{case.get_stage_display()}」")


@login_required
@require_POST
def case_return(request, number):
    case = get_case_for_user(request.user, number, write=True)
    if case.is_open and request.user.role not in RETURN_ROLES.get(case.stage, ()):
        raise PermissionDenied(f"您的角色不能在「{case.get_stage_display()}」环节退回案件")
    form = ReturnForm(request.POST, stage=case.stage)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0] if form.errors else "请求无效"
        return _refused(request, case, CaseError(f"未退回：{first}"))
    data = form.cleaned_data
    try:
        case = case_services.return_case(
            case, to=data["to"], by=request.user, note=data["note"], expected_stage=data["stage"]
        )
    except CaseError as error:
        return _refused(request, case, error)
    return _moved(request, case, f"案件 {case.number} 已退回「{case.get_stage_display()}」整改")


@login_required
@require_POST
def case_withdraw(request, number):
    case = get_case_for_user(request.user, number, write=True)
    if case.is_open and request.user.role not in WITHDRAW_ROLES.get(case.stage, ()):
        raise PermissionDenied(f"您的角色不能在「{case.get_stage_display()}」环节撤销案件")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, CaseError("撤销案件必须写明原因"))
    try:
        case = case_services.withdraw_case(
            case, by=request.user, note=form.cleaned_data["note"], expected_stage=form.cleaned_data["stage"]
        )
    except CaseError as error:
        return _refused(request, case, error)
    return _moved(request, case, f"案件 {case.number} 已撤销")


@login_required
@require_http_methods(["GET", "POST"])
def case_submit(request):
    """提交部门复核: the cases at 实地调查 of a village (or the one case of ?case=), first come first served."""
    require_registry_editor(request.user)
    step_roles = {"township", "county"}
    if request.user.role not in step_roles:
        raise PermissionDenied("只有乡镇扶贫专干或县扶贫办可以提交部门复核")
    queryset, filters = case_filters(request, visible_cases(request.user).filter(stage=Stage.SURVEY))
    queryset = queryset.select_related("household__area__parent").order_by("household__village_code", "opened_at")
    if request.method == "POST":
        chosen = [pk for pk in request.POST.getlist("case") if pk.isdigit()]
        selected = list(queryset.filter(pk__in=chosen))
        if not selected:
            messages.error(request, "请选择要提交的案件")
        else:
            result = case_services.submit_cases(selected, by=request.user, today=timezone.localdate())
            if result.done:
                messages.success(
                    request, f"已提交部门复核 {len(result.done)} 件：" + "、".join(c.number for c in result.done)
                )
            for case, reason in result.refused:
                messages.error(request, f"{case.number} 未提交：{reason}")
            if len(selected) == 1 and result.done:
                return redirect("assessment:case_detail", number=selected[0].number)
            return redirect(f"{request.path}?{request.GET.urlencode()}")
    items = list(queryset[:500])
    heads = head_names([c.household for c in items]) if items else {}
    rows = [(case, *heads.get(case.household_id, ("", ""))) for case in items]
    villages = visible_areas(request.user).filter(level="village").select_related("parent")
    context = {"rows": rows, "filters": filters, "villages": villages}
    return render(request, "assessment/cases/submit.html", context)


@login_required
@require_POST
def complaint_add(request, number):
    case = get_case_for_user(request.user, number, write=True)
    if request.user.role not in publicity.COMPLAINT_ROLES:
        raise PermissionDenied("您的角色不能登记举报")
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _refused(request, case, CaseError(f"举报未登记：{first}"))
    data = form.cleaned_data
    try:
        publicity.record_complaint(
            case,
            by=request.user,
            received_on=data["received_on"],
            content=data["content"],
            complainant=data["complainant"],
            contact=data["contact"],
            today=timezone.localdate(),
        )
    except CaseError as error:
        return _refused(request, case, error)
    return _moved(request, case, f"已登记举报，案件 {case.number} 在核实处理前暂停办理")


@login_required
@require_POST
def complaint_resolve(request, pk):
    complaint = get_complaint_for_user(request.user, pk)
    case = complaint.case
    if request.user.role not in publicity.RESOLVE_ROLES:
        raise PermissionDenied("只有乡镇或县扶贫办可以处理举报")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, CaseError("请选择核实结论并填写核实情况"))
    data = form.cleaned_data
    decision = data["decision"]
    try:
        publicity.resolve_complaint(
            complaint,
            by=request.user,
            upheld=decision != ResolveForm.DISMISS,
            withdraw=decision == ResolveForm.WITHDRAW,
            return_to=data["return_to"],
            note=data["note"],
            today=timezone.localdate(),
        )
    except CaseError as error:
        return _refused(request, case, error)
    complaint.refresh_from_db()
    return _moved(request, case, f"举报已处理：{complaint.get_status_display()}，{complaint.get_resolution_display()}")


@login_required
@require_GET
def cases_export(request):
    require_registry_reader(request.user)
    queryset, _filters = case_filters(request, visible_cases(request.user))
    return cases_response(queryset, user=request.user, ip_address=request.META.get("REMOTE_ADDR"))
