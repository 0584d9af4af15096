"""The yearly self-evaluation report (绩效自评报告): the page with the system's figures and the office's texts, the
edit page, the A4 print view and the Word (.docx) download."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from households.excel.downloads import log_export

from .fund_access import can_manage_funds, require_fund_manager, require_fund_reader
from .fund_forms import ReportTextsForm, field_name
from .fund_services import ReportConflict, save_report_texts
from .self_evaluation import DEFAULT_TEXTS, build_report, system_notes

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the models' year validators


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("没有这个年度")
    return year


@login_required
@require_GET
def report_detail(request, year):
    require_fund_reader(request.user)
    report = build_report(_year(year))
    context = {"report": report, "can_manage": can_manage_funds(request.user)}
    return render(request, "assessment/report/detail.html", context)


@login_required
@require_GET
def report_print(request, year):
    require_fund_reader(request.user)
    return render(request, "assessment/report/print.html", {"report": build_report(_year(year))})


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, year):
    require_fund_manager(request.user)
    report = build_report(_year(year))
    stored = report.stored
    initial = {"title": stored.title if stored else "", "version": stored.version if stored else 0}
    for key, text in (stored.texts if stored else DEFAULT_TEXTS).items():
        initial[field_name(key)] = text
    form = ReportTextsForm(request.POST or None, initial=initial, notes=system_notes(report))
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            save_report_texts(
                year,
                title=form.cleaned_data["title"].strip(),
                texts=form.texts(),
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except ReportConflict as error:
            conflict = str(error)
        else:
            messages.success(request, f"已保存{year}年度绩效自评报告")
            return redirect("assessment:report_detail", year=year)
    context = {"report": report, "form": form, "conflict": conflict}
    return render(request, "assessment/report/edit.html", context, status=409 if conflict else 200)


@login_required
@require_GET
def report_docx(request, year):
    require_fund_reader(request.user)
    from .report_docx import DOCX, report_docx

    report = build_report(_year(year))
    content = report_docx(report)
    log_export(
        request.user,
        target=f"导出绩效自评报告：{report.title}",
        detail=f"{year}年度绩效自评报告（Word，不含个人信息）",
        row_count=len(report.sections),
        masked=True,
        has_ids=False,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'绩效自评报告_{year}.docx')}"
    return response
