"""URLs of the yearly assessment (issue 6): work funds (工作经费) and the self-evaluation report (绩效自评报告)."""

from django.urls import path

from . import fund_views, report_views

urlpatterns: list = [
    path("funds/", fund_views.fund_list, name="fund_list"),
    path("funds/new/", fund_views.fund_create, name="fund_create"),
    path("funds/<int:year>/", fund_views.fund_detail, name="fund_detail"),
    path("funds/<int:year>/edit/", fund_views.fund_edit, name="fund_edit"),
    path("funds/<int:year>/allocations/", fund_views.fund_allocations, name="fund_allocations"),
    path("funds/<int:year>/spending/", fund_views.fund_spending, name="fund_spending"),
    path("funds/<int:year>/spending/<int:pk>/delete/", fund_views.fund_spending_delete, name="fund_spending_delete"),
    path("funds/<int:year>/export.xlsx", fund_views.fund_export, name="fund_export"),
    path("report/<int:year>/", report_views.report_detail, name="report_detail"),
    path("report/<int:year>/edit/", report_views.report_edit, name="report_edit"),
    path("report/<int:year>/print/", report_views.report_print, name="report_print"),
    path("report/<int:year>/report.docx", report_views.report_docx, name="report_docx"),
]
