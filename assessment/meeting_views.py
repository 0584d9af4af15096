"""Meeting pages: the list, recording a meeting with its items, and the printable record sheet for signatures."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from households.access import require_registry_editor, require_registry_reader, visible_areas, visible_households
from households.idnumber import mask_id_number

from . import candidates as cands
from . import meetings as meeting_services
from .case_access import get_meeting_for_user, visible_cases, visible_meetings
from .case_forms import MeetingForm
from .case_views import head_names
from .models import AdjustmentCase, Campaign, CaseError, Meeting, MeetingItem
from .workflow import KIND_FOR_OUTCOME

Kind = Meeting.Kind
Outcome = MeetingItem.Outcome
NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


@login_required
@require_GET
def meeting_list(request):
    require_registry_reader(request.user)
    meetings = visible_meetings(request.user).select_related("area__parent", "campaign", "created_by")
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        meetings = meetings.filter(kind=kind)
    page = Paginator(meetings.order_by("-held_on", "-pk"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kind": kind,
        "kinds": Kind.choices,
        "recordable": [
            (value, label)
            for value, label in Kind.choices
            if request.user.role in meeting_services.RECORD_ROLES[value] and request.user.can_edit_registry
        ],
    }
    return render(request, "assessment/meetings/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, kind):
    if kind not in Kind.values:
        raise Http404("没有这种会议")
    require_registry_editor(request.user)
    if request.user.role not in meeting_services.RECORD_ROLES[kind]:
        raise PermissionDenied(f"您的角色不能录入{Kind(kind).label}记录")
    campaign = Campaign.objects.current()
    level = meeting_services.AREA_LEVEL[kind]
    areas = visible_areas(request.user).filter(level=level).select_related("parent__parent")
    area = areas.filter(code=request.GET.get("area", "")).first()
    context = {"kind": kind, "label": Kind(kind).label, "areas": areas, "area": area, "campaign": campaign}
    if campaign is None or area is None:
        return render(request, "assessment/meetings/create.html", context)
    form = MeetingForm(request.POST or None, kind=kind, initial={"held_on": timezone.localdate()})
    rows = _candidate_rows(request.user, kind, area, campaign)
    if request.method == "POST" and form.is_valid():
        try:
            items = _posted_items(request, kind, area, rows)
            details = dict(form.cleaned_data)
            result = meeting_services.record_meeting(
                campaign=campaign,
                kind=kind,
                area=area,
                details=details,
                items=items,
                by=request.user,
                today=timezone.localdate(),
            )
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            moved = "、".join(c.number for c in result.advanced)
            messages.success(request, f"已录入{Kind(kind).label}记录" + (f"，{moved} 进入下一环节" if moved else ""))
            for case, reason in result.held:
                messages.warning(request, f"{case.number} 未进入下一环节：{reason}")
            return redirect("assessment:meeting_detail", pk=result.meeting.pk)
    context.update(form=form, rows=rows)
    return render(request, "assessment/meetings/create.html", context)


def _candidate_rows(user, kind: str, area, campaign: Campaign) -> list[dict]:
    """What the meeting can decide on: for 贫情分析 the group's open cases at 贫情分析 and the rules' candidates of the
    latest run (the starting point, SPEC §5.1); for the others the village's cases at the meeting's stage."""
    if kind != Kind.ANALYSIS:
        cases = list(
            visible_cases(user)
            .in_scope(area.code)
            .filter(campaign=campaign, stage=Meeting.STAGE[kind])
            .select_related("household__area")
            .order_by("household__area__code", "number")
        )
        heads = head_names([c.household for c in cases]) if cases else {}
        return [{"case": c, "household": c.household, "head": heads.get(c.household_id, ("", ""))} for c in cases]
    rows: dict[int, dict] = {}
    for case in (
        visible_cases(user).in_scope(area.code).filter(campaign=campaign, stage="analysis").select_related("household")
    ):
        rows.setdefault(case.household_id, {"household": case.household, "notes": []})["notes"].append(case.number)
    run = cands.latest_run(area.code)
    if run is not None:
        outcomes = (
            cands.scoped_outcomes(run, user, area_code=area.code)
            .filter(code__in=list(KIND_FOR_OUTCOME))
            .select_related("household")
            .order_by("household__number")
        )
        for outcome in outcomes:
            row = rows.setdefault(outcome.household_id, {"household": outcome.household, "notes": []})
            row["notes"].append(outcome.code)
    households = [r["household"] for r in rows.values()]
    heads = head_names(households) if households else {}
    for row in rows.values():
        row["head"] = heads.get(row["household"].pk, ("", ""))
    return sorted(rows.values(), key=lambda r: r["household"].number)


def _int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise CaseError(f"票数「{value}」应为整数")
    return int(value)


def _posted_items(request, kind: str, area, rows: list[dict]) -> list[meeting_services.ItemInput]:
    post = request.POST
    if kind == Kind.ANALYSIS:
        chosen = set(post.getlist("household"))
        items = [
            meeting_services.ItemInput(r["household"], None, Outcome.SURVEY)
            for r in rows
            if str(r["household"].pk) in chosen
        ]
        extra = [n for n in NUMBER_SEPARATORS.split(post.get("other_numbers", "").strip()) if n]
        if extra:
            found = {h.number: h for h in visible_households(request.user).filter(number__in=extra)}
            for number in extra:
                household = found.get(number)
                if household is None or not household.area_code.startswith(area.code):
                    raise CaseError(f"户编号 {number} 不在{area.name}，或不在您的管辖范围内")
                if all(i.household.pk != household.pk for i in items):
                    items.append(meeting_services.ItemInput(household, None, Outcome.SURVEY))
        return items
    items = []
    for row in rows:
        case: AdjustmentCase = row["case"]
        outcome = post.get(f"outcome-{case.pk}", "")
        if outcome not in (Outcome.AGREE, Outcome.DISAGREE):
            continue
        items.append(
            meeting_services.ItemInput(
                case.household,
                case,
                outcome,
                votes_for=_int(post.get(f"for-{case.pk}", "")),
                votes_against=_int(post.get(f"against-{case.pk}", "")),
                votes_abstain=_int(post.get(f"abstain-{case.pk}", "")),
                note=post.get(f"note-{case.pk}", "").strip(),
            )
        )
    return items


@login_required
@require_GET
def meeting_detail(request, pk):
    meeting = get_meeting_for_user(request.user, pk)
    items = list(meeting.items.select_related("household__area", "case").order_by("pk"))
    heads = head_names([i.household for i in items]) if items else {}
    rows = [(item, *heads.get(item.household_id, ("", ""))) for item in items]
    participants = [p for p in NUMBER_SEPARATORS.split(meeting.participants.replace("\n", "、")) if p]
    context = {
        "meeting": meeting,
        "rows": rows,
        "participants": participants,
        "sign_lines": range(max(8, len(participants))),
        "masked": mask_id_number,
    }
    return render(request, "assessment/meetings/detail.html", context)
