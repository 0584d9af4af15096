"""Entering a fact by hand: a survey finding (township, village) or a county office entry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from ..access import get_household_for_user
from ..facts import record_fact
from ..forms.facts import FactForm


@login_required
def fact_add(request, number):
    household = get_household_for_user(request.user, number, write=True)
    form = FactForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        fact = record_fact(household, data=form.cleaned_data, by=request.user)
        messages.success(request, f"已登记事实：{fact.get_kind_display()}")
        return redirect("households:detail", number=household.number)
    return render(request, "households/fact_form.html", {"household": household, "form": form})
