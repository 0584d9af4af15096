from django.urls import path

from . import case_views, county_views, meeting_views, publicity_views, urls_funds, urls_review, urls_scores, views

app_name = "assessment"

urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/current/", views.policy_make_current, name="policy_make_current"),
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("candidates/", views.candidate_index, name="candidates"),
    path("candidates/<str:code>/", views.candidate_list, name="candidate_list"),
    path("candidates/<str:code>/export.xlsx", views.candidate_export, name="candidate_export"),
    path("households/<str:number>/judgement/", views.household_judgement, name="judgement"),
    # The campaign workflow (issue 5): cases, meetings, publicity, approval, campaigns, dashboard.
    path("cases/", case_views.case_list, name="cases"),
    path("cases/open/", case_views.case_open, name="case_open"),
    path("cases/submit/", case_views.case_submit, name="case_submit"),
    path("cases/export.xlsx", case_views.cases_export, name="cases_export"),
    path("cases/<str:number>/", case_views.case_detail, name="case_detail"),
    path("cases/<str:number>/advance/", case_views.case_advance, name="case_advance"),
    path("cases/<str:number>/return/", case_views.case_return, name="case_return"),
    path("cases/<str:number>/withdraw/", case_views.case_withdraw, name="case_withdraw"),
    path("cases/<str:number>/complaints/", case_views.complaint_add, name="complaint_add"),
    path("complaints/<int:pk>/resolve/", case_views.complaint_resolve, name="complaint_resolve"),
    path("meetings/", meeting_views.meeting_list, name="meetings"),
    path("meetings/new/<str:kind>/", meeting_views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting_detail"),
    path("publicity/", publicity_views.window_list, name="windows"),
    path("publicity/new/", publicity_views.window_create, name="window_create"),
    path("publicity/<int:pk>/", publicity_views.window_detail, name="window_detail"),
    path("publicity/<int:pk>/add/", publicity_views.window_add, name="window_add"),
    path("publicity/<int:pk>/remove/", publicity_views.window_remove, name="window_remove"),
    path("publicity/<int:pk>/publish/", publicity_views.window_publish, name="window_publish"),
    path("publicity/<int:pk>/close/", publicity_views.window_close, name="window_close"),
    path("publicity/<int:pk>/notice/", publicity_views.window_notice, name="window_notice"),
    path("publicity/<int:pk>/notice.xlsx", publicity_views.window_export, name="window_export"),
    path("approval/", county_views.approval, name="approval"),
    path("announcements/", county_views.announcement_list, name="announcements"),
    path("announcements/<int:pk>/", county_views.announcement_detail, name="announcement_detail"),
    path("campaigns/", county_views.campaign_list, name="campaigns"),
    path("campaigns/new/", county_views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", county_views.campaign_edit, name="campaign_edit"),
    path("dashboard/", county_views.dashboard, name="dashboard"),
]
# The yearly assessment (issue 6): samples, spot checks, satisfaction and rates; scores, appeals, funds, report.
urlpatterns += urls_review.urlpatterns + urls_scores.urlpatterns + urls_funds.urlpatterns
