"""Publicity pages: windows, their lists, publishing and closing, the printable notice (公示名单) and its Excel."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.access import require_registry_editor, require_registry_reader, visible_areas

from . import publicity
from .case_access import get_window_for_user, visible_cases, visible_windows
from .case_forms import PublishForm, WindowCreateForm
from .case_views import head_names
from .exports import notice_rows, publicity_response
from .models import Campaign, CaseError, PublicityWindow, WindowEntry

Status = PublicityWindow.Status


@login_required
@require_GET
def window_list(request):
    require_registry_reader(request.user)
    windows = (
        visible_windows(request.user)
        .select_related("area__parent", "campaign")
        .annotate(case_count=Count("entries", filter=Q(entries__removed_at__isnull=True)))
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        windows = windows.filter(status=status)
    page = Paginator(windows, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "today": timezone.localdate(),
        "can_create": request.user.can_edit_registry
        and any(request.user.role in roles for roles in publicity.RUN_ROLES.values()),
    }
    return render(request, "assessment/publicity/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def window_create(request):
    require_registry_editor(request.user)
    if not any(request.user.role in roles for roles in publicity.RUN_ROLES.values()):
        raise PermissionDenied("您的角色不能发起公示")
    campaign = Campaign.objects.current()
    levels = [level for level, roles in publicity.RUN_ROLES.items() if request.user.role in roles]
    areas = visible_areas(request.user).filter(level__in=levels).select_related("parent").order_by("code")
    form = WindowCreateForm(request.POST or None, areas=areas, initial={"level": levels[0]})
    form.fields["level"].choices = [(v, label) for v, label in PublicityWindow.Level.choices if v in levels]
    if request.method == "POST" and form.is_valid():
        if campaign is None:
            form.add_error(None, "县扶贫办尚未设置当前动态管理年度")
        else:
            data = form.cleaned_data
            try:
                window = publicity.create_window(
                    campaign=campaign, level=data["level"], area=data["area"], by=request.user, title=data["title"]
                )
            except CaseError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"已创建「{window.title}」，请列入案件后发布")
                return redirect("assessment:window_detail", pk=window.pk)
    return render(request, "assessment/publicity/create.html", {"form": form, "campaign": campaign})


@login_required
@require_GET
def window_detail(request, pk):
    window = get_window_for_user(request.user, pk)
    user = request.user
    today = timezone.localdate()
    rows = notice_rows(window)
    removed = (
        window.entries.filter(removed_at__isnull=False).select_related("case", "removed_by").order_by("removed_at")
    )
    can_run = user.can_edit_registry and user.role in publicity.RUN_ROLES[window.level]
    addable = []
    if can_run and window.status != Status.CLOSED:
        busy = WindowEntry.objects.filter(removed_at__isnull=True, window__level=window.level).exclude(
            window__status=Status.CLOSED
        )
        candidates = list(
            visible_cases(user)
            .in_scope(window.area_code)
            .filter(campaign=window.campaign, stage=window.stage)
            .exclude(pk__in=busy.values("case_id"))
            .select_related("household__area")
            .order_by("number")
        )
        heads = head_names([c.household for c in candidates]) if candidates else {}
        addable = [(case, heads.get(case.household_id, ("", ""))[0]) for case in candidates]
    context = {
        "window": window,
        "rows": rows,
        "removed": removed,
        "addable": addable,
        "can_run": can_run,
        "can_close": user.can_edit_registry and user.role in publicity.CLOSE_ROLES[window.level],
        "closable_today": window.status == Status.OPEN and window.can_close_on(today),
        "publish_form": PublishForm(initial={"open_date": today}),
        "publications": window.publications.select_related("published_by"),
        "complaints": window.complaints.select_related("case").order_by("received_on"),
        "held": set(window.complaints.filter(status="open").values_list("case_id", flat=True)),
        "today": today,
    }
    return render(request, "assessment/publicity/detail.html", context)


def _back(window: PublicityWindow):
    return redirect("assessment:window_detail", pk=window.pk)


def _require_runner(user, window: PublicityWindow) -> None:
    if user.role not in publicity.RUN_ROLES[window.level]:
        raise PermissionDenied(f"您的角色不能编辑{window.get_level_display()}")


@login_required
@require_POST
def window_add(request, pk):
    window = get_window_for_user(request.user, pk, write=True)
    _require_runner(request.user, window)
    chosen = [v for v in request.POST.getlist("case") if v.isdigit()]
    cases = list(visible_cases(request.user).filter(pk__in=chosen))
    if not cases:
        messages.error(request, "请选择要列入公示的案件")
        return _back(window)
    try:
        added = publicity.add_cases(window, cases, by=request.user)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        window.refresh_from_db()
        note = "名单已变更，须重新发布公示" if window.needs_republish else "发布后开始公示"
        messages.success(request, f"已列入 {added} 件，{note}")
    return _back(window)


@login_required
@require_POST
def window_remove(request, pk):
    window = get_window_for_user(request.user, pk, write=True)
    _require_runner(request.user, window)
    case_id = request.POST.get("case", "")
    case = visible_cases(request.user).filter(pk=case_id).first() if case_id.isdigit() else None
    if case is None:
        messages.error(request, "没有找到该案件")
        return _back(window)
    try:
        publicity.remove_case(window, case, by=request.user, note=request.POST.get("note", ""))
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已将 {case.number} 移出名单")
    return _back(window)


@login_required
@require_POST
def window_publish(request, pk):
    window = get_window_for_user(request.user, pk, write=True)
    _require_runner(request.user, window)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写公示开始日期")
        return _back(window)
    try:
        window = publicity.publish(
            window, by=request.user, open_date=form.cleaned_data["open_date"], today=timezone.localdate()
        )
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"已发布公示：{window.open_date:%Y-%m-%d} 至 {window.last_day:%Y-%m-%d}（{window.days} 天）"
        )
    return _back(window)


@login_required
@require_POST
def window_close(request, pk):
    window = get_window_for_user(request.user, pk, write=True)
    if request.user.role not in publicity.CLOSE_ROLES[window.level]:
        raise PermissionDenied(f"您的角色不能结束{window.get_level_display()}")
    try:
        result = publicity.close(window, by=request.user, today=timezone.localdate())
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"公示已结束，{len(result.advanced)} 件进入下一环节")
        for case in result.held:
            messages.warning(request, f"{case.number} 有未处理的举报，暂停在公示环节")
    return _back(window)


@login_required
@require_GET
def window_notice(request, pk):
    window = get_window_for_user(request.user, pk)
    context = {"window": window, "rows": notice_rows(window), "today": timezone.localdate()}
    return render(request, "assessment/publicity/notice.html", context)


@login_required
@require_GET
def window_export(request, pk):
    window = get_window_for_user(request.user, pk)
    return publicity_response(window, user=request.user, ip_address=request.META.get("REMOTE_ADDR"))
