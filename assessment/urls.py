from django.urls import path

from . import views

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
    path("households/<str:number>/judgement/", views.household_judgement, name="judgement"),
]
