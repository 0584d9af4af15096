"""The survey form (实地调查表): enter a new household, or edit one with its members and a year's income."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..access import get_household_for_user, require_registry_editor
from ..dossier import record_id_view
from ..forms.survey import SurveyForms
from ..survey import DuplicateEntry, SurveyConflict, save_survey


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    require_registry_editor(request.user)
    forms = SurveyForms(user=request.user, data=_data(request), year=_year_param(request))
    return _process(request, forms)


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, number):
    household = get_household_for_user(request.user, number, write=True)
    forms = SurveyForms(user=request.user, household=household, data=_data(request), year=_year_param(request))
    if request.method == "GET":  # the member rows show full ID numbers (SPEC §1)
        members = [form.instance for form in forms.member_formset.initial_forms]
        record_id_view(request.user, household, members, ip_address=request.META.get("REMOTE_ADDR"))
    return _process(request, forms)


def _process(request, forms: SurveyForms):
    conflict = None
    if request.method == "POST" and forms.is_valid():
        try:
            household = save_survey(**forms.parts(), user=request.user)
        except SurveyConflict as error:
            forms.household_form.set_version(error.current_version)
            conflict = error.message
        except DuplicateEntry as error:
            if error.what == "household_number":
                forms.flag_duplicate_number()
            else:
                forms.flag_duplicate_id_numbers()
        else:
            messages.success(request, f"农户 {household.number} 的调查表已保存")
            return redirect("households:detail", number=household.number)
    context = {"forms": forms, "conflict": conflict, "error_items": forms.error_items(), "preview": forms.preview()}
    return render(request, "households/survey_form.html", context, status=409 if conflict else 200)


def _data(request):
    return request.POST if request.method == "POST" else None


def _year_param(request) -> int | None:
    """?year=YYYY on GET loads that income year; anything else falls back to the default year."""
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and len(value) == 4 else None
