"""County pages of the workflow: campaigns and their schedules, approval with its announcement, the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from households.access import require_registry_reader
from households.choices import Role

from . import approval as approval_services
from .campaigns import require_campaign_manager, save_campaign
from .case_access import require_county, visible_announcements, visible_cases
from .case_forms import ApprovalForm, CampaignForm, PhaseFormSet
from .case_views import head_names
from .dashboard import build_dashboard
from .models import Campaign, CaseError
from .workflow import Stage

DASHBOARD_ROLES = frozenset({Role.COUNTY, Role.TOWNSHIP, Role.LEADER})
CAMPAIGN_READERS = frozenset({Role.COUNTY, Role.LEADER})


@login_required
@require_GET
def campaign_list(request):
    if request.user.role not in CAMPAIGN_READERS:
        raise PermissionDenied("只有县扶贫办和领导可以查看年度设置")
    campaigns = Campaign.objects.select_related("policy").prefetch_related("phases")
    context = {"campaigns": campaigns, "can_manage": request.user.role == Role.COUNTY}
    return render(request, "assessment/campaigns/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    require_campaign_manager(request.user)
    form = CampaignForm(request.POST or None, initial={"year": timezone.localdate().year, "is_current": True})
    if request.method == "POST" and form.is_valid():
        campaign = save_campaign(
            form.instance, by=request.user, with_default_schedule=form.cleaned_data.get("with_default_schedule")
        )
        messages.success(request, f"已设置「{campaign.name}」，请核对进度安排")
        return redirect("assessment:campaign_edit", pk=campaign.pk)
    return render(request, "assessment/campaigns/form.html", {"form": form, "formset": None, "campaign": None})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk):
    require_campaign_manager(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    formset = PhaseFormSet(request.POST or None, instance=campaign, prefix="phases")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            save_campaign(form.instance, by=request.user)
            formset.save()
        messages.success(request, f"已保存「{campaign.name}」及进度安排")
        return redirect("assessment:campaigns")
    return render(request, "assessment/campaigns/form.html", {"form": form, "formset": formset, "campaign": campaign})


@login_required
@require_http_methods(["GET", "POST"])
def approval(request):
    """县级审定: the cases at county approval, approved together into one announcement (all or nothing)."""
    require_county(request.user, "审定案件")
    pending = (
        visible_cases(request.user)
        .filter(stage=Stage.COUNTY_APPROVAL)
        .select_related("household__area__parent", "campaign")
        .order_by("household__village_code", "number")
    )
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = [pk for pk in request.POST.getlist("case") if pk.isdigit()]
        selected = list(pending.filter(pk__in=chosen))
        try:
            announcement = approval_services.approve_cases(
                selected, by=request.user, today=timezone.localdate(), title=form.cleaned_data["title"]
            )
        except CaseError as error:
            messages.error(request, f"审定未完成，所有案件和农户档案均未改动：{error.message}")
        else:
            messages.success(request, f"已审定 {len(selected)} 件并发布{announcement.number}，农户档案已更新")
            return redirect("assessment:announcement_detail", pk=announcement.pk)
    items = list(pending)
    heads = head_names([c.household for c in items]) if items else {}
    rows = [(case, *heads.get(case.household_id, ("", ""))) for case in items]
    return render(request, "assessment/approval.html", {"rows": rows, "form": form})


@login_required
@require_GET
def announcement_list(request):
    require_registry_reader(request.user)
    announcements = visible_announcements(request.user).select_related("campaign", "approved_by")
    return render(request, "assessment/announcements/list.html", {"announcements": announcements})


@login_required
@require_GET
def announcement_detail(request, pk):
    require_registry_reader(request.user)
    announcement = get_object_or_404(visible_announcements(request.user).select_related("campaign"), pk=pk)
    cases = list(
        visible_cases(request.user)
        .filter(announcement=announcement)
        .select_related("household__area__parent__parent")
        .order_by("kind", "household__area__code", "number")
    )
    heads = head_names([c.household for c in cases]) if cases else {}
    rows = [(case, *heads.get(case.household_id, ("", ""))) for case in cases]
    partial = request.user.area_id and len(request.user.area.code) > 6
    return render(
        request,
        "assessment/announcements/detail.html",
        {"announcement": announcement, "rows": rows, "partial": partial},
    )


@login_required
@require_GET
def dashboard(request):
    if not (request.user.is_active and request.user.role in DASHBOARD_ROLES and request.user.area_id):
        raise PermissionDenied("工作进度只对县扶贫办、乡镇和领导开放")
    campaign = Campaign.objects.current()
    year = request.GET.get("year", "")
    if year.isdigit():
        campaign = Campaign.objects.filter(year=int(year)).first() or campaign
    board = build_dashboard(campaign, request.user.area.code, today=timezone.localdate()) if campaign else None
    context = {
        "board": board,
        "campaign": campaign,
        "campaigns": Campaign.objects.only("year", "name"),
        "rendered_rows": board.table_rows() if board else [],
        "phase_rows": board.phase_rows() if board else [],
    }
    return render(request, "assessment/dashboard.html", context)
