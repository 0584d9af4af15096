"""User management by the county office: role, scope area that fits the role, department, password."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from ..access import visible_areas
from ..choices import AreaLevel, Role
from ..models import Area, User
from .changes import label_blank_choices

# The level of the scope area each role works at (SPEC §1); a department user may also have the county.
SCOPE_LEVEL = {
    Role.COUNTY: AreaLevel.COUNTY,
    Role.ASSESSOR: AreaLevel.COUNTY,
    Role.LEADER: AreaLevel.COUNTY,
    Role.TOWNSHIP: AreaLevel.TOWNSHIP,
    Role.VILLAGE: AreaLevel.VILLAGE,
}
INDENT = {AreaLevel.COUNTY: "", AreaLevel.TOWNSHIP: "　", AreaLevel.VILLAGE: "　　"}


class ScopeAreaField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{INDENT.get(obj.level, '')}{obj.name}（{obj.code}）"


class UserFormBase(forms.ModelForm):
    """Fields and checks shared by creating and editing: the scope area must fit the role."""

    area = ScopeAreaField(label="管辖范围", queryset=Area.objects.none(), required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["area"].queryset = visible_areas(actor).exclude(level=AreaLevel.GROUP).order_by("code")
        self.fields["area"].help_text = "县扶贫办、考核组、领导选县（区）；乡镇扶贫专干选乡镇；村信息员选村"
        self.fields["department"].help_text = "仅部门核查员填写"
        label_blank_choices(self)

    def clean(self):
        cleaned = super().clean()
        role, area = cleaned.get("role"), cleaned.get("area")
        if role == Role.DEPARTMENT:
            if not cleaned.get("department"):
                self.add_error("department", "部门核查员须选择所属部门")
            if area is not None and area.level != AreaLevel.COUNTY:
                self.add_error("area", "部门核查员的管辖范围只能是本县（区），也可以不选")
            elif area is None and self.actor.area and self.actor.area.level == AreaLevel.COUNTY:
                cleaned["area"] = self.actor.area
        elif role:
            cleaned["department"] = ""
            level = AreaLevel(SCOPE_LEVEL[role])
            if area is None:
                self.add_error("area", f"{Role(role).label}须选择一个{level.label}作为管辖范围")
            elif area.level != level:
                self.add_error(
                    "area", f"{Role(role).label}的管辖范围应为{level.label}，“{area.name}”是{area.get_level_display()}"
                )
        return cleaned


class PasswordPairMixin:
    """A password typed twice and checked by Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

    def clean_password_pair(self) -> None:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if (not first and not second) or "password1" in self.errors or "password2" in self.errors:
            return
        if first != second:
            self.add_error("password2", "两次输入的密码不一致")
            return
        try:
            password_validation.validate_password(first, self.instance)
        except ValidationError as error:
            self.add_error("password1", [chinese_password_error(e) for e in error.error_list])

    def save_password(self, user: User) -> None:
        if self.cleaned_data.get("password1"):
            user.set_password(self.cleaned_data["password1"])


def chinese_password_error(error: ValidationError) -> ValidationError:
    """Django's zh-hans catalogue lacks some validator messages (5.2 reworded them): say them ourselves."""
    params = error.params or {}
    messages = {
        "password_too_short": f"密码太短，至少需要{params.get('min_length')}个字符",
        "password_too_similar": f"密码与{params.get('verbose_name')}太相似",
        "password_too_common": "密码太常见，容易被猜到",
        "password_entirely_numeric": "密码不能全是数字",
    }
    message = messages.get(error.code)
    return ValidationError(message, code=error.code) if message else error


def password_field(label: str, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        # Not echoed back on an error (Django's convention): the page would carry the password in clear.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UserCreateForm(PasswordPairMixin, UserFormBase):
    password1 = password_field("密码", required=True)
    password2 = password_field("确认密码", required=True)

    class Meta:
        model = User
        fields = ["username", "full_name", "phone", "role", "area", "department"]
        help_texts = {"username": "登录用的用户名：字母、数字和 @ . + - _"}

    def _post_clean(self):
        # After the instance carries username and name, so the similarity validator can compare them.
        super()._post_clean()
        self.clean_password_pair()

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        self.save_password(user)
        if commit:
            user.save()
        return user


class UserEditForm(PasswordPairMixin, UserFormBase):
    is_active = forms.BooleanField(label="启用账号", required=False, help_text="停用后该用户不能登录")
    password1 = password_field("新密码", required=False)
    password2 = password_field("确认新密码", required=False)

    class Meta:
        model = User
        fields = ["full_name", "phone", "role", "area", "department", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = "不修改密码请留空"

    def clean_is_active(self):
        is_active = self.cleaned_data["is_active"]
        if not is_active and self.instance.pk == self.actor.pk:
            raise ValidationError("不能停用自己的账号")
        return is_active

    def clean_role(self):
        role = self.cleaned_data["role"]
        if self.instance.pk == self.actor.pk and role != self.instance.role:
            raise ValidationError("不能修改自己的角色，请由县扶贫办的其他用户修改")
        return role

    def _post_clean(self):
        super()._post_clean()
        self.clean_password_pair()

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        self.save_password(user)
        if commit:
            user.save()
        return user
