"""Forms of the work-funds and self-evaluation pages: they validate and convert money (万元 ↔ 元, exactly) and never
save anything themselves (fund_services.py does)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from households.choices import AreaLevel
from households.models import Area

from .fund_models import FundAllocation, WorkFund
from .funds import SELF_EVALUATION_OUTLINE, wan_to_yuan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WAN = "wan"
YUAN = "yuan"
UNIT_CHOICES = [(WAN, "万元"), (YUAN, "元")]
MAX_YUAN = Decimal("999999999999.99")


def to_yuan(amount: Decimal, unit: str) -> Decimal:
    """The amount typed in ``unit`` as yuan; refuses anything finer than a cent (万元: six places, 元: two)."""
    if unit == WAN:
        try:
            yuan = wan_to_yuan(amount)
        except ValueError:
            raise forms.ValidationError("以万元填写时最多 6 位小数（精确到分）", code="precision") from None
    else:
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError("以元填写时最多 2 位小数（精确到分）", code="precision")
        yuan = amount.quantize(Decimal("0.01"))
    if yuan <= 0:
        raise forms.ValidationError("金额必须大于 0", code="positive")
    if yuan > MAX_YUAN:
        raise forms.ValidationError("金额过大", code="too_large")
    return yuan


class MoneyField(forms.CharField):
    """A number typed as text (so that 10.000001 stays exact), cleaned to ``Decimal``; commas are allowed."""

    def to_python(self, value):
        text = super().to_python(value).replace(",", "").replace("，", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("请填写数字金额，如 10 或 2.5", code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError("请填写数字金额，如 10 或 2.5", code="invalid")
        return amount


class WanField(MoneyField):
    """An amount in 万元 (up to six decimals, an exact cent), cleaned to yuan."""

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else to_yuan(amount, WAN)


class WorkFundForm(forms.ModelForm):
    budget_amount = MoneyField(label="预算金额", error_messages={"required": "请填写预算金额"})
    budget_unit = forms.ChoiceField(label="单位", choices=UNIT_CHOICES, initial=WAN)
    # The version the form was opened at (FundConflict).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkFund
        fields = ["year", "project", "unit", "received_on", "document", "note"]
        widgets = {"received_on": DATE, "note": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "year": {"unique": "该年度的工作经费已经录入，请在列表中打开它修改", "required": "请填写年度"},
            "unit": {"required": "请填写项目单位"},
            "project": {"required": "请填写项目名称"},
        }

    field_order = ["year", "project", "unit", "budget_amount", "budget_unit", "received_on", "document", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["budget_amount"].initial = f"{self.instance.budget.scaleb(-4).normalize():f}"
        self.fields["budget_amount"].help_text = "按所选单位填写：万元最多 6 位小数，元最多 2 位小数；系统按元保存"

    def clean(self):
        data = super().clean()
        amount = data.get("budget_amount")
        if amount is not None:
            try:
                self.instance.budget = to_yuan(amount, data.get("budget_unit") or WAN)
            except forms.ValidationError as error:
                self.add_error("budget_amount", error)
        return data


class AllocationForm(forms.Form):
    recipient = forms.CharField(label="单位", max_length=100, required=False)
    kind = forms.ChoiceField(label="类别", choices=FundAllocation.Kind.choices, initial=FundAllocation.Kind.TOWNSHIP)
    area = forms.TypedChoiceField(label="乡镇", required=False, coerce=int, empty_value=None)
    amount = WanField(label="金额（万元）", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, townships: dict[int, Area] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The townships are read once for the whole formset (a query per row otherwise).
        self.townships = townships or {}
        self.fields["area"].choices = [("", "—")] + [(pk, area.name) for pk, area in self.townships.items()]

    def clean(self):
        data = super().clean()
        data["area"] = self.townships.get(data.get("area"))
        area, kind = data["area"], data.get("kind")
        if area is not None and kind != FundAllocation.Kind.TOWNSHIP:
            self.add_error("area", "只有乡镇（街道）才选择乡镇")
        if not (data.get("recipient") or "").strip():
            if area is not None:
                data["recipient"] = area.name
            else:
                self.add_error("recipient", "请填写单位名称（乡镇可从右侧选择）")
        else:
            data["recipient"] = data["recipient"].strip()
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "请填写金额")
        return data


class BaseAllocationFormSet(forms.BaseFormSet):
    def __init__(self, *args, townships=None, **kwargs):
        self.townships = townships
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "townships": self.townships}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            townships=self.townships,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def lines(self) -> list[dict]:
        """The filled, not deleted rows in their order."""
        # A blank extra row is skipped by validation and has no cleaned data; a row opened from the stored list is
        # kept whether or not it was changed.
        return [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


AllocationFormSet = forms.formset_factory(
    AllocationForm, formset=BaseAllocationFormSet, extra=0, can_delete=True, max_num=200, validate_max=True
)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SpendingForm(forms.Form):
    recipient = forms.CharField(
        label="单位",
        max_length=100,
        error_messages={"required": "请填写支出单位"},
        widget=forms.TextInput(attrs={"list": "recipients"}),
        help_text="与分配名单中的单位名称一致，才能计入该单位的执行率",
    )
    amount = MoneyField(label="金额（元）", error_messages={"required": "请填写金额"})
    spent_on = forms.DateField(label="支出日期", widget=DATE, error_messages={"required": "请填写支出日期"})
    purpose = forms.CharField(label="用途", max_length=200, error_messages={"required": "请填写用途"})
    voucher = forms.CharField(label="凭证号", max_length=50, required=False)

    def clean_amount(self):
        return to_yuan(self.cleaned_data["amount"], YUAN)

    def clean_recipient(self):
        return self.cleaned_data["recipient"].strip()


class ReportTextsForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="留空则按项目单位和项目名称生成")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, notes: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        notes = notes or {}
        for key, heading in SELF_EVALUATION_OUTLINE:
            self.fields[field_name(key)] = forms.CharField(
                label=heading,
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=notes.get(key, ""),
            )

    def texts(self) -> dict[str, str]:
        """The non-blank texts by section key."""
        texts = {key: self.cleaned_data[field_name(key)].strip() for key, _ in SELF_EVALUATION_OUTLINE}
        return {key: text for key, text in texts.items() if text}

    def section_fields(self):
        return [self[field_name(key)] for key, _ in SELF_EVALUATION_OUTLINE]


def field_name(key: str) -> str:
    """「basics.summary」 → 「basics__summary」 (a form field name without dots)."""
    return key.replace(".", "__")


def township_choices() -> dict[int, Area]:
    """The county's townships by primary key, in code order (one query)."""
    return {area.pk: area for area in Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code")}
