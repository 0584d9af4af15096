"""Work-fund pages (工作经费, seed 000): the years' funds, one year's sheet with its flags, the budget, the allocation
list, spending entries and the Excel sheet. County office edits; leaders and the assessment group read."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.excel.downloads import log_export

from .exports import XLSX
from .fund_access import can_manage_funds, get_fund, require_fund_manager, require_fund_reader
from .fund_forms import AllocationFormSet, SpendingForm, VersionForm, WorkFundForm, township_choices
from .fund_models import FundSpending, WorkFund
from .fund_services import (
    AllocationLine,
    FundConflict,
    add_spending,
    default_unit,
    fund_sheet,
    fund_summaries,
    recipient_names,
    replace_allocations,
    save_fund,
    write_funds_workbook,
)


@login_required
@require_GET
def fund_list(request):
    require_fund_reader(request.user)
    funds = list(WorkFund.objects.all())
    context = {"rows": fund_summaries(funds), "can_manage": can_manage_funds(request.user)}
    return render(request, "assessment/funds/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fund_create(request):
    require_fund_manager(request.user)
    initial = {"unit": default_unit(), "year": request.GET.get("year", "")}
    return _fund_form(request, WorkFund(), initial)


@login_required
@require_http_methods(["GET", "POST"])
def fund_edit(request, year):
    return _fund_form(request, get_fund(request.user, year, write=True), {})


def _fund_form(request, fund: WorkFund, initial: dict):
    form = WorkFundForm(request.POST or None, instance=fund, initial=initial)
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            save_fund(form.instance, by=request.user, expected_version=form.cleaned_data.get("version"))
        except FundConflict as error:
            conflict = str(error)
        except IntegrityError:
            form.add_error("year", "该年度的工作经费已经录入，请在列表中打开它修改")
        else:
            messages.success(request, f"已保存{form.instance}")
            return redirect("assessment:fund_detail", year=form.instance.year)
    context = {"form": form, "fund": fund if fund.pk else None, "conflict": conflict}
    return render(request, "assessment/funds/form.html", context, status=409 if conflict else 200)


@login_required
@require_GET
def fund_detail(request, year):
    require_fund_reader(request.user)
    fund = WorkFund.objects.filter(year=year).select_related("updated_by").first()
    if fund is None:
        if not can_manage_funds(request.user):
            raise Http404("该年度尚未录入工作经费")
        messages.info(request, f"{year}年度尚未录入工作经费，请先录入")
        return redirect(f"{reverse('assessment:fund_create')}?year={year}")
    context = {"sheet": fund_sheet(fund), "fund": fund, "can_manage": can_manage_funds(request.user)}
    return render(request, "assessment/funds/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fund_allocations(request, year):
    fund = get_fund(request.user, year, write=True)
    townships = township_choices()
    data = request.POST if request.method == "POST" else None
    version = VersionForm(data, initial={"version": fund.version})
    initial = [
        {"recipient": a.recipient, "kind": a.kind, "area": a.area_id, "amount": _wan_text(a.amount), "note": a.note}
        for a in fund.allocations.order_by("position", "pk")
    ]
    formset = AllocationFormSet(data, initial=initial, prefix="lines", townships=townships)
    if data is None:
        formset.extra = 3 if initial else 8  # blank rows to type into; "添加一行" adds more
    conflict = ""
    if data is not None and version.is_valid() and formset.is_valid():
        lines = [
            AllocationLine(row["recipient"], row["kind"], row["amount"], row.get("area"), row.get("note", ""))
            for row in formset.lines()
        ]
        try:
            replace_allocations(fund, lines, by=request.user, expected_version=version.cleaned_data.get("version"))
        except FundConflict as error:
            conflict = str(error)
        else:
            messages.success(request, f"已保存分配名单，共 {len(lines)} 项")
            return redirect("assessment:fund_detail", year=fund.year)
    context = {"fund": fund, "formset": formset, "version": version, "conflict": conflict}
    return render(request, "assessment/funds/allocations.html", context, status=409 if conflict else 200)


def _wan_text(amount) -> str:
    return f"{amount.scaleb(-4).normalize():f}"


@login_required
@require_http_methods(["GET", "POST"])
def fund_spending(request, year):
    fund = get_fund(request.user, year, write=True)
    form = SpendingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = add_spending(fund, by=request.user, **form.cleaned_data)
        messages.success(request, f"已登记{entry.recipient}支出 {entry.amount:,} 元")
        return redirect("assessment:fund_detail", year=fund.year)
    context = {"fund": fund, "form": form, "recipients": recipient_names(fund)}
    return render(request, "assessment/funds/spending.html", context)


@login_required
@require_POST
def fund_spending_delete(request, year, pk):
    fund = get_fund(request.user, year, write=True)
    entry = get_object_or_404(FundSpending, fund=fund, pk=pk)
    entry.delete()
    messages.success(request, f"已删除{entry.recipient} {entry.spent_on:%Y-%m-%d} 的支出 {entry.amount:,} 元")
    return redirect("assessment:fund_detail", year=fund.year)


@login_required
@require_GET
def fund_export(request, year):
    fund = get_fund(request.user, year)
    buffer = io.BytesIO()
    count = write_funds_workbook(fund_sheet(fund), buffer)
    log_export(
        request.user,
        target=f"导出工作经费表：{fund}",
        detail="工作经费分配和支出（不含个人信息）",
        row_count=count,
        masked=True,
        has_ids=False,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'工作经费_{fund.year}.xlsx')}"
    return response
