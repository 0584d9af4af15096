"""Forms of the county office's department configuration: a department and its check rules (SPEC §6)."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from assessment.rules.codes import EXCLUSION_CODES, GUANGDONG8_CODES, IDENTIFICATION_CODES, YUNNAN7_CODES
from assessment.workflow import CaseKind

from .models import CheckRule, Department

# What a rule may check: a criterion of the rules (identification, exclusion incl. the member criterion E9, the exit
# standards of either set) or ID, the identity of the members.
ITEM_CODES = frozenset({"ID", "E9", *IDENTIFICATION_CODES, *EXCLUSION_CODES, *YUNNAN7_CODES, *GUANGDONG8_CODES})


class DepartmentForm(forms.ModelForm):
    # The time the form was opened: a save by someone else meanwhile is a conflict (optimistic locking).
    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Department
        fields = ["name", "duties", "review_days", "is_active"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_days"].min_value = 1
        self.fields["review_days"].widget.attrs["min"] = 1
        if not self.is_bound:
            self.initial["opened_version"] = version_token(self.instance)

    def clean_review_days(self):
        days = self.cleaned_data["review_days"]
        if not days or days < 1:
            raise forms.ValidationError("复核时限至少为 1 天")
        return days


def version_token(department: Department) -> str:
    return department.updated_at.isoformat() if department.updated_at else ""


class CheckRuleForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label="适用案件类型", choices=CaseKind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CheckRule
        fields = ["item", "title", "kinds", "always", "statement", "is_active"]
        widgets = {
            "item": forms.TextInput(attrs={"class": "form-control form-control-sm", "size": 6}),
            "title": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "statement": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "always": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def clean_item(self):
        item = (self.cleaned_data.get("item") or "").strip().upper()
        if item not in ITEM_CODES:
            raise forms.ValidationError(f"「{item}」不是评估条款代码：可用 ID（身份信息）、I1–I5、E1–E10、Y1–Y7、G1–G8")
        return item


class BaseRuleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen: dict[tuple[str, bool], int] = {}
        for index, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data.get("item"), bool(form.cleaned_data.get("always")))
            if key in seen:
                raise forms.ValidationError(
                    f"第 {seen[key]} 条和第 {index} 条规则重复（同一核查事项、同一核查方式），请合并"
                )
            seen[key] = index


RuleFormSet = inlineformset_factory(
    Department, CheckRule, form=CheckRuleForm, formset=BaseRuleFormSet, extra=1, can_delete=True
)
