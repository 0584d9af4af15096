"""The county office edits a department and its check rules in the app (SPEC §6), not only in the admin.

Both are saved in one transaction; a department saved by someone else since the form was opened is a conflict (the
form keeps what was typed and says so). Switching a department off keeps its tasks; rules are deleted or switched off.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from households.choices import Role

from .config_forms import DepartmentForm, RuleFormSet, version_token
from .models import Department

CONFLICT = "该部门的设置已被他人修改，未保存。请刷新页面查看最新设置后重新修改（您填写的内容仍保留在下方）。"


def require_county_office(user) -> None:
    if not (user.is_active and user.role == Role.COUNTY):
        raise PermissionDenied("只有县扶贫办可以修改核查部门和核查规则")


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, code: str):
    require_county_office(request.user)
    department = get_object_or_404(Department, code=code)
    if request.method == "POST":
        form = DepartmentForm(request.POST, instance=department)
        rules = RuleFormSet(request.POST, instance=department, prefix="rules")
        if form.is_valid() and rules.is_valid():
            with transaction.atomic():
                stored = Department.objects.select_for_update().get(pk=department.pk)
                if form.cleaned_data.get("opened_version") != version_token(stored):
                    form.add_error(None, CONFLICT)
                else:
                    form.save()
                    rules.save()
                    messages.success(request, f"已保存“{department.name}”的设置和核查规则")
                    return redirect("verification:rules")
    else:
        form = DepartmentForm(instance=department)
        rules = RuleFormSet(instance=department, prefix="rules")
    return render(
        request, "verification/department_form.html", {"department": department, "form": form, "rules": rules}
    )
