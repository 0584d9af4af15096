"""URLs of the browser imports (upload → preview → confirm → done) and background jobs."""

from django.urls import path

from .views import imports

urlpatterns: list = [
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:job_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:job_id>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:job_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:job_id>/errors.xlsx", imports.import_errors, name="import_errors"),
]
