"""Entering one fact about a household or a member by hand (survey finding or county entry)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from ..choices import FactKind
from ..models import Fact, Member

# Kinds that are about one person (SPEC §2); the others are about the household.
MEMBER_KINDS = {
    FactKind.PUBLIC_PAYROLL,
    FactKind.VILLAGE_CADRE,
    FactKind.DECEASED,
    FactKind.MISSING,
    FactKind.NOT_SHARING_INCOME,
}


class FactForm(forms.ModelForm):
    class Meta:
        model = Fact
        fields = ["kind", "member", "event_date", "amount", "exit_measure", "relocation_housing", "category", "note"]
        widgets = {
            "event_date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "event_date": "事件发生的日期，如购车、入职、工商登记、死亡日期",
            "amount": "机动车必填：购车价格（元）",
            "category": "如帮扶措施的类别（易地搬迁、危房改造、产业扶持……）或房产类型",
        }

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["member"].queryset = Member.objects.filter(household=household, is_active=True)
        self.fields["member"].label = "涉及成员（户级事实不选）"
        self.fields["member"].empty_label = "（户级事实）"

    def clean_event_date(self):
        value = self.cleaned_data.get("event_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("发生日期不能晚于今天")
        return value

    def clean_amount(self):
        value = self.cleaned_data.get("amount")
        if value is not None and value < Decimal("0"):
            raise forms.ValidationError("金额不能为负数")
        return value

    def clean(self):
        data = super().clean()
        kind, member = data.get("kind"), data.get("member")
        if kind == FactKind.VEHICLE and data.get("amount") is None:
            self.add_error("amount", "机动车必须填写购车价格")
        if kind in MEMBER_KINDS and member is None:
            self.add_error("member", f"“{FactKind(kind).label}”须选择涉及的成员")
        if data.get("relocation_housing") and kind != FactKind.URBAN_PROPERTY:
            self.add_error("relocation_housing", "只有城镇房产才能标记为易地搬迁安置")
        return data
