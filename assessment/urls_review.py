"""URLs of the yearly assessment (issue 6): assessments, 贫困村, sample plans, spot checks, satisfaction, rates."""

from django.urls import path

from . import review_views as v

urlpatterns: list = [
    path("review/", v.assessment_list, name="assessments"),
    path("review/new/", v.assessment_create, name="assessment_create"),
    path("review/poor-villages/", v.poor_villages, name="poor_villages"),
    path("review/<int:pk>/", v.assessment_detail, name="assessment_detail"),
    path("review/<int:pk>/edit/", v.assessment_edit, name="assessment_edit"),
    path("review/<int:pk>/plans/new/", v.plan_create, name="plan_create"),
    path("review/<int:pk>/rates/", v.rates, name="rates"),
    path("review/<int:pk>/rates/households/", v.rate_households, name="rate_households"),
    path("review/plans/<int:pk>/", v.plan_detail, name="plan_detail"),
    path("review/plans/<int:pk>/edit/", v.plan_edit, name="plan_edit"),
    path("review/plans/<int:pk>/draw/", v.plan_draw, name="plan_draw"),
    path("review/plans/<int:pk>/export.xlsx", v.plan_export, name="plan_export"),
    path("review/plans/<int:pk>/sheets/", v.plan_sheets, name="plan_sheets"),
    path("review/plans/<int:pk>/satisfaction/", v.satisfaction_survey, name="satisfaction_survey"),
    path("review/checks/<int:pk>/", v.check_record, name="check_record"),
]
