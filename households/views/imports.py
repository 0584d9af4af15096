"""Imports in the browser (docs/jobs.md): history, upload, the job page with preview and confirm,
its progress endpoint and the error workbook. County office and township staff only; a job outside
the user's scope is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import jobs
from ..background import progress_payload
from ..forms.imports import ImportUploadForm
from ..models import Area, Job

HISTORY_PAGE_SIZE = 50
ERRORS_PAGE_SIZE = 200


@login_required
@require_GET
def import_list(request):
    queryset = jobs.visible_jobs(request.user).defer("result")
    page = Paginator(queryset, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    areas = dict(Area.objects.filter(code__in={job.scope_code for job in page}).values_list("code", "name"))
    for job in page:
        job.scope_name = areas.get(job.scope_code, job.scope_code)
    return render(request, "households/imports/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    jobs.require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = jobs.start_import(user=request.user, kind=data["kind"], uploaded=data["file"], options=form.options())
        return redirect("households:import_detail", job_id=job.pk)
    return render(request, "households/imports/new.html", {"form": form, "eager": jobs.eager()})


@login_required
@require_GET
def import_detail(request, job_id):
    job = jobs.get_job_for_user(request.user, job_id)
    errors = Paginator(job.result.get("errors", []), ERRORS_PAGE_SIZE).get_page(request.GET.get("errors_page"))
    same_file = jobs.visible_jobs(request.user).filter(sha256=job.sha256, kind=job.kind, status=Job.Status.DONE)
    context = {
        "job": job,
        "result": job.result,
        "preview": job.result.get("preview", {}),
        "errors": errors,
        "same_file": same_file.exclude(pk=job.pk).defer("result")[:5],
        "duration": job.duration_seconds,
        "eager": jobs.eager(),
    }
    return render(request, "households/imports/detail.html", context)


@login_required
@require_POST
def import_confirm(request, job_id):
    job = jobs.get_job_for_user(request.user, job_id)
    if not jobs.confirm_import(job):
        messages.error(request, f"该任务当前为“{job.get_status_display()}”，不能确认导入")
    elif job.status == Job.Status.DONE:
        messages.success(request, f"导入完成：{'；'.join(job.summary.get('lines', []))}")
    elif job.status == Job.Status.APPLYING:
        messages.info(request, "已开始导入，本页会自动显示进度")
    elif job.status == Job.Status.READY:
        messages.warning(request, job.message)
    else:
        messages.error(request, f"导入失败：{job.message}")
    return redirect("households:import_detail", job_id=job.pk)


@login_required
@require_GET
def import_progress(request, job_id):
    job = jobs.get_job_for_user(request.user, job_id, with_result=False)
    return JsonResponse(progress_payload(job, reverse("households:import_detail", args=[job.pk])))


@login_required
@require_GET
def import_errors(request, job_id):
    job = jobs.get_job_for_user(request.user, job_id, with_result=False)
    path = jobs.error_report_path(job)
    if path is None or not path.is_file():
        raise Http404("该任务没有错误报告")
    return FileResponse(path.open("rb"), as_attachment=True, filename=jobs.error_report_name(job))
