from django.urls import path

from . import config_views, views

app_name = "verification"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/tick/", views.task_tick, name="task_tick"),
    path("tasks/<int:pk>/supplement/", views.task_supplement, name="task_supplement"),
    path("tasks/bulk/", views.task_bulk, name="task_bulk"),
    path("overview/", views.overview, name="overview"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:code>/edit/", config_views.department_edit, name="department_edit"),
    path("register/", views.register_upload, name="register"),
]
