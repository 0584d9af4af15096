from django.urls import path

from . import urls_exports, urls_imports
from .views import changes, detail, facts, listing, survey, users

app_name = "households"

urlpatterns = [
    path("households/", listing.household_list, name="list"),
    path("households/new/", survey.survey_create, name="create"),
    path("households/<str:number>/", detail.household_detail, name="detail"),
    path("households/<str:number>/survey/", survey.survey_edit, name="survey"),
    path("households/<str:number>/members/add/", changes.member_add, name="member_add"),
    path("households/<str:number>/members/<int:member_id>/reduce/", changes.member_reduce, name="member_reduce"),
    path("households/<str:number>/members/<int:member_id>/transfer/", changes.member_transfer, name="member_transfer"),
    path("households/<str:number>/facts/add/", facts.fact_add, name="fact_add"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:user_id>/", users.user_edit, name="user_edit"),
]

# Each feature keeps its own routes under the same "households" namespace.
urlpatterns += urls_imports.urlpatterns + urls_exports.urlpatterns
