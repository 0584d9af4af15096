"""Excel downloads (FORMATS §6 in the browser): the roster of the list's current filters, the village comparison.

Only households the user can see (Household.objects.visible_to); department users get 403; every download is
written to the access log first (SPEC §1). The roster streams: a county-wide export never holds the workbook in
memory. More than ``settings.EXPORT_SYNC_MAX_HOUSEHOLDS`` households (a county of 100,000 takes about half a
minute) go to a background job instead: the GET shows what would be exported and a button that POSTs the same
filters; the worker writes the same workbook to a file the job page offers (households/background.py).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from .. import background
from ..access import require_registry_reader, visible_areas
from ..choices import AreaLevel, HousingGrade, PovertyAttribute, PovertyCause
from ..excel.comparison import build_comparison, default_years, write_comparison
from ..excel.downloads import (
    STATUS_LABELS,
    XLSX_CONTENT_TYPE,
    describe_filters,
    expected_rows,
    full_ids_allowed,
    log_export,
    stream_roster,
)
from ..forms.exports import ComparisonForm
from ..forms.filters import HouseholdFilterForm
from ..listing import find_households
from ..models import AccessLog

FILTER_LABELS = {
    "status": STATUS_LABELS,
    "attribute": dict(PovertyAttribute.choices),
    "main_cause": dict(PovertyCause.choices),
    "housing_grade": dict(HousingGrade.choices),
}


@login_required
@require_GET
def roster_download(request):
    require_registry_reader(request.user)
    filters = HouseholdFilterForm(request.GET, user=request.user).filters()
    households = find_households(request.user, **filters)
    masked = not full_ids_allowed(request.user) or request.GET.get("mask") == "1"
    scope = request.user.area
    count = households.order_by().count()
    if count > settings.EXPORT_SYNC_MAX_HOUSEHOLDS:
        context = {
            "count": count,
            "rows": expected_rows(households),
            "masked": masked,
            "filter_text": describe_filters(filters, FILTER_LABELS),
            "fields": [(name, value) for name, value in request.GET.items() if name != "page"],
            "threshold": settings.EXPORT_SYNC_MAX_HOUSEHOLDS,
        }
        return render(request, "households/jobs/export_confirm.html", context)
    log = log_export(
        request.user,
        target=roster_target(scope),
        detail=f"浏览器下载；{describe_filters(filters, FILTER_LABELS)}",
        row_count=expected_rows(households),
        masked=masked,
        ip_address=request.META.get("REMOTE_ADDR"),
    )

    def finished(rows: int) -> None:
        if rows != log.row_count:  # records changed while the file was written
            AccessLog.objects.filter(pk=log.pk).update(row_count=rows)

    response = StreamingHttpResponse(stream_roster(households, mask_ids=masked, finished=finished))
    return attachment(response, roster_file_name(scope))


@login_required
@require_POST
def roster_export_start(request):
    """The roster of the posted filters as a background job (the confirmation page of a large download)."""
    require_registry_reader(request.user)
    filters = HouseholdFilterForm(request.POST, user=request.user).filters()
    scope = request.user.area
    job = background.start_roster_export(
        request.user,
        filters=filters,
        masked=not full_ids_allowed(request.user) or request.POST.get("mask") == "1",
        target=roster_target(scope),
        file_name=roster_file_name(scope),
        filter_text=describe_filters(filters, FILTER_LABELS),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return redirect("households:job_detail", job_id=job.pk)


def roster_target(scope) -> str:
    return f"花名册（{scope.name} {scope.code}）"


def roster_file_name(scope) -> str:
    return f"花名册_{scope.name}_{timezone.localdate():%Y%m%d}.xlsx"


@login_required
@require_GET
def comparison(request):
    """GET with a village and two years downloads the sheet; otherwise the form (village preset from the list)."""
    require_registry_reader(request.user)
    scope = request.user.area
    code = request.GET.get("village") or (scope.code if scope and scope.level == AreaLevel.VILLAGE else "")
    village = None
    if code:
        village = visible_areas(request.user).filter(code=code, level=AreaLevel.VILLAGE).first()
        if village is None:
            raise Http404("没有找到该村，或不在您的管辖范围内")
    if village is not None and "first_year" in request.GET:
        form = ComparisonForm(request.GET, user=request.user)
        if form.is_valid():
            return comparison_response(
                request, village, form.cleaned_data["first_year"], form.cleaned_data["last_year"]
            )
    else:
        first, last = default_years(village) if village else (None, None)
        form = ComparisonForm(
            None, user=request.user, initial={"village": code, "first_year": first, "last_year": last}
        )
    return render(request, "households/export_comparison.html", {"form": form})


def comparison_response(request, village, first_year: int, last_year: int) -> HttpResponse:
    sheet = build_comparison(village, first_year, last_year)
    output = io.BytesIO()
    rows = write_comparison(output, sheet)
    log_export(
        request.user,
        target=f"村级年度对照表（{village.name} {village.code}）",
        detail=f"浏览器下载；{first_year}—{last_year}年度",
        row_count=rows,
        masked=True,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(output.getvalue())
    return attachment(response, f"对照表_{village.name}_{first_year}-{last_year}.xlsx")


def attachment(response, filename: str):
    response["Content-Type"] = XLSX_CONTENT_TYPE
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
