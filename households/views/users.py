"""User management: the county office creates and edits the users of its county (SPEC §1)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ..choices import Role
from ..forms.users import UserCreateForm, UserEditForm
from ..models import User


def manageable_users(actor: User):
    """Users inside the county user's scope, plus department staff, who may carry no area at all."""
    require_user_manager(actor)
    if not actor.area_id:
        return User.objects.none()
    return User.objects.filter(Q(area__code__startswith=actor.area.code) | Q(area__isnull=True, role=Role.DEPARTMENT))


def require_user_manager(user: User) -> None:
    if not user.can_manage_users:
        raise PermissionDenied("只有县扶贫办可以管理用户")


@login_required
@require_GET
def user_list(request):
    users = manageable_users(request.user).select_related("area").order_by("role", "area__code", "username")
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    page = Paginator(users, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "role": role, "q": query, "roles": Role.choices}
    return render(request, "households/users/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    require_user_manager(request.user)
    form = UserCreateForm(posted(request), actor=request.user)
    if form.is_valid():
        user = form.save()
        messages.success(request, f"已创建用户 {user.username}（{user.get_role_display()}）")
        return redirect("households:users")
    return render(request, "households/users/form.html", {"form": form, "editing": None})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    editing = get_object_or_404(manageable_users(request.user).select_related("area"), pk=user_id)
    form = UserEditForm(posted(request), instance=editing, actor=request.user)
    if form.is_valid():
        user = form.save()
        if user.pk == request.user.pk and form.cleaned_data.get("password1"):
            update_session_auth_hash(request, user)  # changing one's own password keeps one logged in
        messages.success(request, f"已保存用户 {user.username} 的修改")
        return redirect("households:users")
    return render(request, "households/users/form.html", {"form": form, "editing": editing})


def posted(request):
    return request.POST if request.method == "POST" else None
