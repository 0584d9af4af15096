"""URLs of the yearly assessment (issue 6): township scores, indicator table, manual scores, appeals, finalization.

``pk`` is the Assessment.
"""

from django.urls import path

from . import score_views as v

urlpatterns: list = [
    path("review/<int:pk>/scores/", v.score_overview, name="score_overview"),
    path("review/<int:pk>/scores/print/", v.score_print, name="score_print"),
    path("review/<int:pk>/scores/export.xlsx", v.score_export, name="score_export"),
    path("review/<int:pk>/scores/finalize/", v.score_finalize, name="score_finalize"),
    path("review/<int:pk>/scores/manual/", v.score_manual, name="score_manual"),
    path("review/<int:pk>/scores/units/", v.score_units, name="score_units"),
    path("review/<int:pk>/scores/townships/<str:code>/", v.score_township, name="score_township"),
    path("review/<int:pk>/scores/indicators/", v.indicator_table, name="indicator_table"),
    path("review/<int:pk>/scores/appeals/", v.appeal_list, name="appeal_list"),
    path("review/<int:pk>/scores/appeals/new/", v.appeal_create, name="appeal_create"),
    path("review/<int:pk>/scores/appeals/<int:appeal>/", v.appeal_detail, name="appeal_detail"),
    path("review/<int:pk>/scores/appeals/<int:appeal>/decide/", v.appeal_decide, name="appeal_decide"),
    path("review/<int:pk>/scores/appeals/<int:appeal>/evidence/", v.appeal_evidence, name="appeal_evidence"),
]
