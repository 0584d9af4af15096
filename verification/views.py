"""Department pages: the queue (先报先复核), a task with its tick-off, bulk confirmation, register upload; and the
county's overview of pending and overdue tasks.

Data minimisation (SPEC §1): a department user reaches only its own department's tasks (anything else is 404) and
sees of each household only what the task needs: the members concerned, the village, the item to verify. Full ID
numbers appear only on the task page, and each view of them is written to the access log.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.case_access import get_case_for_user
from assessment.models import CaseError
from households.choices import Role
from households.idnumber import mask_id_number
from households.models import AccessLog

from . import services
from .forms import RegisterUploadForm, TickOffForm
from .models import CheckRule, Department, VerificationTask
from .queries import department_queue, scoped_tasks, task_subjects

Status = VerificationTask.Status
TABS = {"open": (Status.OPEN,), "needs_info": (Status.NEEDS_INFO,), "closed": (Status.CLOSED, Status.CANCELLED)}
OVERVIEW_ROLES = frozenset({Role.COUNTY, Role.TOWNSHIP, Role.LEADER})
UPLOAD_SALT = "verification.register-upload"
UPLOAD_MAX_AGE = 3600
UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def require_department(user) -> None:
    if not (user.is_active and user.role == Role.DEPARTMENT and user.department):
        raise PermissionDenied("核查任务队列只对部门核查员开放")


@login_required
@require_GET
def queue(request):
    require_department(request.user)
    tab = request.GET.get("tab", "open")
    if tab not in TABS:
        tab = "open"
    tasks = (
        department_queue(request.user)
        .filter(status__in=TABS[tab])
        .select_related("case", "household__area__parent__parent")
    )
    if tab == "closed":
        tasks = tasks.order_by("-closed_at", "-pk")
    page = Paginator(tasks, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    subjects = task_subjects(items)
    counts = dict(
        department_queue(request.user)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("status", "n")
    )
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": [(task, subjects.get(task.pk, []), task.is_overdue(today)) for task in items],
        "tab": tab,
        "counts": counts,
        "department": Department.objects.filter(code=request.user.department).first(),
        "start": page.start_index() if items else 0,
    }
    return render(request, "verification/queue.html", context)


def get_own_task(user, pk: int) -> VerificationTask:
    require_department(user)
    task = (
        department_queue(user)
        .select_related("case", "department", "household__area__parent__parent")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404("没有找到该任务，或不属于您的部门")
    return task


@login_required
@require_GET
def task_detail(request, pk):
    task = get_own_task(request.user, pk)
    subjects = task_subjects([task], full_ids=True)[task.pk]
    if subjects:
        AccessLog.objects.create(
            user=request.user,
            action=AccessLog.Action.VIEW_ID,
            target=f"核查任务 #{task.pk}",
            detail="；".join(f"{s['name']} {mask_id_number(s['id_number'])}" for s in subjects),
            row_count=len(subjects),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    form = TickOffForm(task=task)
    context = {"task": task, "subjects": subjects, "form": form, "overdue": task.is_overdue(timezone.localdate())}
    return render(request, "verification/task_detail.html", context)


@login_required
@require_POST
def task_tick(request, pk):
    task = get_own_task(request.user, pk)
    form = TickOffForm(request.POST, task=task)
    if not form.is_valid():
        subjects = task_subjects([task])[task.pk]
        context = {"task": task, "subjects": subjects, "form": form, "overdue": task.is_overdue(timezone.localdate())}
        return render(request, "verification/task_detail.html", context, status=400)
    data = form.cleaned_data
    try:
        task = services.tick_off(
            task, by=request.user, result=data["result"], note=data["note"], details=form.fact_details()
        )
    except services.TaskError as error:
        messages.error(request, error.message)
        return redirect("verification:task_detail", pk=task.pk)
    messages.success(request, f"已核查：{task.household.area.name} {task.get_result_display()}")
    return redirect("verification:queue")


@login_required
@require_POST
def task_bulk(request):
    require_department(request.user)
    chosen = [pk for pk in request.POST.getlist("task") if pk.isdigit()]
    tasks = list(department_queue(request.user).filter(pk__in=chosen, status=Status.OPEN))
    if not tasks:
        messages.error(request, "请选择要核实的任务")
        return redirect("verification:queue")
    try:
        done = services.bulk_confirm(tasks, by=request.user, note=request.POST.get("note", "").strip())
    except services.TaskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已将 {done} 项任务核查为“核实属实”")
    return redirect("verification:queue")


@login_required
@require_POST
def task_supplement(request, pk):
    """The township answers 需补充 from the case page; the task goes back to the department's queue."""
    task = VerificationTask.objects.select_related("case").filter(pk=pk, case__isnull=False).first()
    if task is None:
        raise Http404("没有找到该任务")
    case = get_case_for_user(request.user, task.case.number, write=True)
    try:
        services.add_supplement(task, by=request.user, text=request.POST.get("text", ""))
    except services.TaskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已补充材料，任务已退回部门核查队列")
    return redirect("assessment:case_detail", number=case.number)


@login_required
@require_GET
def overview(request):
    """Pending tasks of the households in scope, overdue ones first and highlighted (SPEC §6)."""
    if not (request.user.is_active and request.user.role in OVERVIEW_ROLES):
        raise PermissionDenied("只有县扶贫办、乡镇和领导可以查看核查进度")
    today = timezone.localdate()
    pending = scoped_tasks(request.user).pending()
    per_department = (
        pending.values("department__code")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        .order_by("department__code")
    )
    tasks = pending.select_related("department", "case", "household__area__parent").order_by("due_on", "submitted_at")
    page = Paginator(tasks, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "per_department": per_department, "today": today}
    return render(request, "verification/overview.html", context)


@login_required
@require_GET
def rules(request):
    if not (request.user.is_active and request.user.role in {Role.COUNTY, Role.LEADER}):
        raise PermissionDenied("只有县扶贫办和领导可以查看核查规则")
    departments = Department.objects.prefetch_related("rules").order_by("code")
    return render(request, "verification/rules.html", {"departments": departments, "checks": CheckRule.objects.count()})


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "register_uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def purge_stale_uploads(now: float | None = None) -> int:
    """Remove previews nobody confirmed: once the token expired (UPLOAD_MAX_AGE) the file can never be used.

    Called at every new upload, so abandoned previews do not pile up without a cron entry. Returns how many.
    """
    cutoff = (time.time() if now is None else now) - UPLOAD_MAX_AGE
    removed = 0
    for path in upload_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # confirmed or purged by another request meanwhile
            continue
    return removed


def upload_department(user, code: str | None) -> Department:
    """A department user uploads for its own department; the county office for the department it names."""
    if user.role == Role.DEPARTMENT and user.department:
        code = user.department
    elif user.role != Role.COUNTY:
        raise PermissionDenied("只有部门核查员或县扶贫办可以上传部门数据")
    department = Department.objects.filter(code=code or "").first()
    if department is None:
        raise CaseError("请选择部门")
    return department


@login_required
@require_http_methods(["GET", "POST"])
def register_upload(request):
    """大数据比对: upload → check and preview (nothing written) → confirm → facts written, hits queued."""
    if not (request.user.is_active and request.user.role in {Role.DEPARTMENT, Role.COUNTY}):
        raise PermissionDenied("只有部门核查员或县扶贫办可以上传部门数据")
    form = RegisterUploadForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"form": form}
    if request.method == "POST" and "token" in request.POST:
        return _register_confirm(request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            form.add_error("file", "文件不能超过 20 MB")
            return render(request, "verification/register.html", context)
        try:
            department = upload_department(request.user, form.cleaned_data.get("department"))
        except CaseError as error:
            form.add_error(None, error.message)
            return render(request, "verification/register.html", context)
        purge_stale_uploads()
        stored = upload_dir() / f"{uuid.uuid4().hex}.xlsx"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        result = services.process_register(stored, department=department, by=request.user, dry_run=True)
        token = signing.dumps(
            {"f": stored.name, "d": department.code, "u": request.user.pk, "n": upload.name[:200]}, salt=UPLOAD_SALT
        )
        if not result.ok:
            stored.unlink(missing_ok=True)
            token = ""
        context.update(result=result, token=token, department=department, file_name=upload.name, preview=True)
    return render(request, "verification/register.html", context)


def _register_confirm(request):
    try:
        data = signing.loads(request.POST["token"], salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, "上传已过期或无效，请重新上传")
        return redirect("verification:register")
    if data["u"] != request.user.pk:
        raise PermissionDenied("只能确认自己上传的文件")
    stored = upload_dir() / Path(data["f"]).name
    if not stored.exists():
        messages.error(request, "上传的文件已处理或已过期，请重新上传")
        return redirect("verification:register")
    department = upload_department(request.user, data["d"])
    try:
        result = services.process_register(stored, department=department, by=request.user, file_name=data["n"])
    finally:
        stored.unlink(missing_ok=True)
    if result.ok and result.counts is not None:
        messages.success(
            request,
            f"已导入 {department.name}数据：新增事实 {result.counts['new']} 条，更新 {result.counts['updated']} 条；"
            f"{len(result.queued)} 户的评估结果因此改变，已列入核查队列",
        )
        if result.policy is None:
            messages.warning(request, "没有可用的当前政策，未比对评估结果的变化")
    context = {"form": RegisterUploadForm(user=request.user), "result": result, "department": department, "done": True}
    return render(request, "verification/register.html", context)
