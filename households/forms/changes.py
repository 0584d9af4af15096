"""Forms of the natural member changes (SPEC §7): they validate and normalise; services write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..access import visible_households
from ..choices import Relation
from ..idnumber import parse_id_number
from ..models import Household, Member, User
from ..services import ADD_REASONS, REDUCE_REASONS, duplicate_id_message, find_active_member

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEMBER_FIELDS = [
    "name",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "schooling_status",
    "dropout_reason",
    "heavy_study_burden",
    "chronic_disease",
    "serious_disease",
    "disease_name",
    "disabled",
    "disability_grade",
    "labour_skill",
    "migrant_work",
    "migrant_months",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "family_doctor",
    "shares_income",
]


def blank_choice(choices: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "请选择"), *choices.items()]


def label_blank_choices(form: forms.BaseForm) -> None:
    """Model choice fields start with Django's "---------": say 请选择 in a Chinese form."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = "请选择"
        elif isinstance(field, forms.ChoiceField) and field.choices and field.choices[0][0] == "":
            field.choices = [("", "请选择"), *field.choices[1:]]


class ChangeFields(forms.Form):
    """Reason, date and note: required on every natural change (SPEC §7), the date never in the future."""

    changed_on = forms.DateField(label="变更日期", widget=DATE_WIDGET)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_changed_on(self):
        changed_on = self.cleaned_data["changed_on"]
        if changed_on > timezone.localdate():
            raise ValidationError("变更日期不能晚于今天")
        return changed_on


class NewHeadField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.get_relation_display()}，{obj.masked_id_number}）"


def setup_new_head(form: forms.Form, member: Member) -> None:
    """Offer the other active members as the new head only when the head is leaving and others remain."""
    others = member.household.members.active().exclude(pk=member.pk).order_by("relation", "birth_date", "pk")
    if member.relation == Relation.HEAD and others.exists():
        field = form.fields["new_head"]
        field.queryset = others
        field.required = True
        field.error_messages["required"] = "户主减少或转出时，须从本户其他在册成员中指定新户主"
    else:
        del form.fields["new_head"]


class MemberAddForm(ChangeFields, forms.ModelForm):
    # Wider than the stored 18 characters: spaces and full-width digits are normalised away.
    id_number = forms.CharField(label="证件号码", max_length=30)
    reason = forms.ChoiceField(label="增加原因", choices=blank_choice(ADD_REASONS))

    field_order = ["reason", "changed_on", "note"]

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        labels = {"shares_income": "与户主共享开支（共同生活）"}

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["changed_on"].label = "增加日期"
        self.fields["migrant_months"].widget.attrs.update({"min": 0, "max": 12})
        label_blank_choices(self)

    def clean_id_number(self):
        try:
            info = parse_id_number(self.cleaned_data["id_number"], today=timezone.localdate())
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        existing = find_active_member(info.number)
        if existing is not None:
            raise ValidationError(duplicate_id_message(existing, self.household))
        return info.number

    def clean_migrant_months(self):
        months = self.cleaned_data.get("migrant_months")
        if months is not None and months > 12:
            raise ValidationError("务工时间为0到12个月")
        return months

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("disability_grade") and not cleaned.get("disabled"):
            self.add_error("disability_grade", "填写残疾等级时请勾选“残疾”")
        return cleaned

    def member_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in MEMBER_FIELDS}


class MemberReduceForm(ChangeFields):
    reason = forms.ChoiceField(label="减少原因", choices=blank_choice(REDUCE_REASONS))
    new_head = NewHeadField(label="新户主", queryset=Member.objects.none(), required=False)

    field_order = ["reason", "changed_on", "new_head", "note"]

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["changed_on"].label = "减少日期"
        setup_new_head(self, member)
        label_blank_choices(self)


class MemberTransferForm(ChangeFields):
    to_number = forms.CharField(
        label="目标户编号",
        max_length=32,
        help_text="在您的管辖范围内按户编号查找",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label="在新户中与户主关系", choices=blank_choice(dict(Relation.choices)))
    new_head = NewHeadField(
        label="原户新户主", queryset=Member.objects.none(), required=False, help_text="转出户主后由谁担任原户户主"
    )

    field_order = ["to_number", "relation", "changed_on", "new_head", "note"]

    def __init__(self, *args, member: Member, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.user = user
        self.fields["changed_on"].label = "转移日期"
        setup_new_head(self, member)
        label_blank_choices(self)

    def clean_to_number(self):
        number = self.cleaned_data["to_number"].strip()
        target = visible_households(self.user).filter(number=number).first()
        if target is None:
            raise ValidationError(f"没有找到户编号为 {number} 的农户，或不在您的管辖范围内")
        if target.pk == self.member.household_id:
            raise ValidationError("目标户与当前户相同，不能转移")
        self.cleaned_data["to_household"] = target
        return number
