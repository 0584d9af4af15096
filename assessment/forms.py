"""Forms of the assessment pages: the policy form and the form that starts a county run."""

from __future__ import annotations

import re

from django import forms

from .models import FIRST_YEAR, LAST_YEAR, Policy

YEAR_SEPARATORS = re.compile(r"[\s,，、;；]+")


class YearListField(forms.CharField):
    """Years typed as 「2014、2015」 (or with commas or spaces), kept as a sorted list of integers."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "、".join(str(year) for year in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        years = []
        for part in YEAR_SEPARATORS.split(text.strip()) if text.strip() else []:
            if not (part.isdigit() and len(part) == 4):
                raise forms.ValidationError(f"「{part}」不是年度，请填写四位数字年份，如 2014、2015", code="invalid")
            year = int(part)
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise forms.ValidationError(f"年度 {year} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间", code="invalid")
            if year in years:
                raise forms.ValidationError(f"年度 {year} 重复", code="duplicate")
            years.append(year)
        return sorted(years)


class PolicyForm(forms.ModelForm):
    wrong_exit_years = YearListField(
        label="错退认定年度", required=False, help_text="这些年度认定的脱贫户未达标属错退，如 2016；多个用顿号分隔"
    )
    continue_support_years = YearListField(
        label="继续帮扶年度", required=False, help_text="这些年度认定的脱贫户未达标确定为继续帮扶户，如 2014、2015"
    )
    # The version the form was opened at: a save over someone else's change is refused (PolicyConflict).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Policy
        fields = [
            "name",
            "income_year",
            "exit_standard_set",
            "identification_line",
            "exit_line",
            "vehicle_price_limit",
            "water_radius_km",
            "publicity_days",
            "wrong_exit_years",
            "continue_support_years",
            "provincial_reference_income",
            "reference_income_ratio",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"unique": "已有同名政策，请换一个名称"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        self.fields["exit_line"].help_text = "人均纯收入须高于此数（户“7条”）；“八有”标准不用此项"
        self.fields["provincial_reference_income"].help_text = "“八有”标准：收入不低于此数 × 收入比例"


class RunForm(forms.Form):
    policy = forms.ModelChoiceField(
        label="政策", queryset=Policy.objects.all(), empty_label=None, error_messages={"required": "请选择政策"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = next((p for p in self.fields["policy"].queryset if p.is_current), None)
        if current is not None:
            self.fields["policy"].initial = current.pk
        self.fields["policy"].label_from_instance = lambda p: (
            f"{p.name}（第{p.version}版）" + ("·当前政策" if p.is_current else "")
        )

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        if policy.missing_message:
            raise forms.ValidationError(f"「{policy.name}」{policy.missing_message}。请先在政策参数中补全。")
        return policy
