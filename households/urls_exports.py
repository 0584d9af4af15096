"""URLs of the Excel downloads (roster, comparison sheets) in the browser."""

from django.urls import path

from .views import exports

urlpatterns = [
    path("exports/roster.xlsx", exports.roster_download, name="export_roster"),
    path("exports/comparison/", exports.comparison, name="export_comparison"),
]
