"""Natural member changes (SPEC §7): add, reduce, transfer. Editor roles only, inside their scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..access import get_household_for_user
from ..choices import AreaLevel, Relation
from ..forms.changes import MemberAddForm, MemberReduceForm, MemberTransferForm
from ..models import Household, Member
from ..services import ADD_REASONS, REDUCE_REASONS, ChangeRefused, add_member, reduce_member, transfer_member


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, number):
    household = get_household_for_user(request.user, number, write=True)
    form = MemberAddForm(posted(request), household=household)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = add_member(
                household,
                member_data=form.member_data(),
                reason=data["reason"],
                changed_on=data["changed_on"],
                note=data["note"],
                by=request.user,
            )
        except ChangeRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(
                request, f"已为 {household.number} 增加成员 {member.name}（{ADD_REASONS[data['reason']]}）"
            )
            return redirect("households:detail", number=household.number)
    return render(request, "households/member_add.html", change_context(household, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def member_reduce(request, number, member_id):
    household = get_household_for_user(request.user, number, write=True)
    member = get_active_member(household, member_id)
    form = MemberReduceForm(posted(request), member=member)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reduce_member(
                member,
                reason=data["reason"],
                changed_on=data["changed_on"],
                note=data["note"],
                by=request.user,
                new_head=data.get("new_head"),
            )
        except ChangeRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, f"已减少成员 {member.name}（{REDUCE_REASONS[data['reason']]}）{head_note(data)}")
            return redirect("households:detail", number=household.number)
    return render(request, "households/member_reduce.html", change_context(household, member=member, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request, number, member_id):
    household = get_household_for_user(request.user, number, write=True)
    member = get_active_member(household, member_id)
    form = MemberTransferForm(posted(request), member=member, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transfer_member(
                member,
                to_household=data["to_household"],
                relation=data["relation"],
                changed_on=data["changed_on"],
                note=data["note"],
                by=request.user,
                new_head=data.get("new_head"),
            )
        except ChangeRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            target = data["to_household"].number
            messages.success(request, f"已将成员 {member.name} 由 {household.number} 转移至 {target}{head_note(data)}")
            return redirect("households:detail", number=household.number)
    return render(request, "households/member_transfer.html", change_context(household, member=member, form=form))


def posted(request):
    return request.POST if request.method == "POST" else None


def get_active_member(household: Household, member_id: int) -> Member:
    return get_object_or_404(household.members.active(), pk=member_id)


def head_note(data: dict) -> str:
    head = data.get("new_head")
    return f"；{head.name}已任户主，请核对其他成员与新户主的关系" if head else ""


def change_context(household: Household, *, form, member: Member | None = None) -> dict:
    active = list(household.members.active())
    return {
        "household": household,
        "member": member,
        "form": form,
        "head": next((m for m in active if m.relation == Relation.HEAD), None),
        "active_count": len(active),
        "is_last_member": member is not None and len(active) == 1,
        "village": household.area if household.area.level == AreaLevel.VILLAGE else household.area.parent,
    }
