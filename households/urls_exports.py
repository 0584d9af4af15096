"""URLs of the Excel downloads (roster, comparison sheets) in the browser, and of the background jobs of
large exports and evaluation runs (docs/jobs.md)."""

from django.urls import path

from .views import background, exports

urlpatterns = [
    path("exports/roster.xlsx", exports.roster_download, name="export_roster"),
    path("exports/roster/background/", exports.roster_export_start, name="job_export_start"),
    path("exports/comparison/", exports.comparison, name="export_comparison"),
    path("jobs/", background.job_list, name="jobs"),
    path("jobs/<int:job_id>/", background.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", background.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/download/", background.job_download, name="job_download"),
]
