"""Background jobs of exports and evaluation runs (docs/jobs.md): the user's list, the job page with its
progress endpoint, and the download of a finished export. Another user's export, or a job outside the
user's scope, is 404; a role without background jobs (departments) 403."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import background, jobs

JOBS_PAGE_SIZE = 50


@login_required
@require_GET
def job_list(request):
    page = Paginator(background.own_jobs(request.user), JOBS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "households/jobs/list.html", {"page": page})


@login_required
@require_GET
def job_detail(request, job_id):
    job = background.get_job_for_user(request.user, job_id)
    context = {
        "job": job,
        "run_id": job.result.get("run_id") if job.status == job.Status.DONE else None,
        "can_download": job.kind == job.Kind.EXPORT and job.user_id == request.user.pk and bool(job.stored_path),
        "duration": job.duration_seconds,
        "eager": jobs.eager(),
    }
    return render(request, "households/jobs/detail.html", context)


@login_required
@require_GET
def job_progress(request, job_id):
    job = background.get_job_for_user(request.user, job_id)
    return JsonResponse(background.progress_payload(job, reverse("households:job_detail", args=[job.pk])))


@login_required
@require_GET
def job_download(request, job_id):
    job = background.get_job_for_user(request.user, job_id)
    path = background.export_file(request.user, job)
    background.log_download(request.user, job, request.META.get("REMOTE_ADDR"))
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name or f"导出{job.pk}.xlsx")
    response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response
