"""The household page (/households/<户编号>/): the whole record, full ID numbers for in-scope users, history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..access import get_household_for_user
from ..dossier import load_dossier, record_id_view


@login_required
@require_GET
def household_detail(request, number):
    household = get_household_for_user(request.user, number)
    dossier = load_dossier(household, today=timezone.localdate())
    record_id_view(request.user, household, dossier.members, ip_address=request.META.get("REMOTE_ADDR"))
    context = {"household": household, "dossier": dossier, "can_edit": request.user.can_edit_registry}
    return render(request, "households/detail.html", context)
