"""Forms of the scores pages: the indicator table, manual scores, supporting units, appeals and their decisions.

Forms validate and normalise only; saving is in ``scores.py``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import PurePath

from django import forms

from .score_models import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES, IndicatorRow, Measure
from .scores import table_problems

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# The first bytes of the accepted evidence types: a renamed executable is refused whatever its name says.
MAGIC = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


class IndicatorRowForm(forms.Form):
    code = forms.CharField(label="代码", max_length=30)
    name = forms.CharField(label="指标", max_length=100)
    weight = forms.DecimalField(label="分值", max_digits=5, decimal_places=2, min_value=Decimal("0.01"))
    measure = forms.ChoiceField(label="计分方式", choices=[("", "—"), *Measure.choices])
    direction = forms.ChoiceField(label="方向", choices=[("", "—"), *IndicatorRow.Direction.choices], required=False)
    target = forms.DecimalField(label="满分界限", max_digits=9, decimal_places=2, required=False)
    bound = forms.DecimalField(label="零分界限", max_digits=9, decimal_places=2, required=False)
    unit = forms.CharField(label="单位", max_length=20, required=False)
    if_no_data = forms.ChoiceField(
        label="无样本时", choices=IndicatorRow.NoData.choices, initial=IndicatorRow.NoData.BLOCK, required=False
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError("代码只能用小写英文字母、数字和下划线，并以字母开头，如 funds")
        return code

    def clean(self):
        data = super().clean()
        if data.get("measure") and data["measure"] != Measure.MANUAL:
            if not data.get("direction"):
                self.add_error("direction", "按实测计分的指标须选择方向")
            for name in ("target", "bound"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "按实测计分的指标须填写")
        data["if_no_data"] = data.get("if_no_data") or IndicatorRow.NoData.BLOCK
        return data

    def row_values(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in self.fields if name != "DELETE"} | {
            "direction": data.get("direction") or "",
            "unit": (data.get("unit") or "").strip(),
        }


class BaseIndicatorFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            form.row_values()
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ]

    def clean(self):
        if any(self.errors):
            return
        problems = table_problems([IndicatorRow(**values) for values in self.rows()])
        if problems:
            raise forms.ValidationError(problems)


IndicatorFormSet = forms.formset_factory(IndicatorRowForm, formset=BaseIndicatorFormSet, extra=2, can_delete=True)


class TableForm(forms.Form):
    as_of = forms.DateField(
        label="统计截止日期", widget=DATE, help_text="逾期部门核查任务和逾期公示按此日期统计（seed 002：当年12月30日）"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ManualScoreForm(forms.Form):
    township = forms.CharField(widget=forms.HiddenInput)
    points = forms.DecimalField(label="得分", max_digits=5, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label="扣分说明", required=False, widget=forms.TextInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, weight: Decimal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight = weight

    def clean(self):
        data = super().clean()
        points = data.get("points")
        if points is not None and self.weight is not None and points > self.weight:
            self.add_error("points", f"得分不能超过该指标的分值 {self.weight.normalize():f} 分")
        if points is not None and self.weight is not None and points < self.weight and not data.get("note", "").strip():
            self.add_error("note", "扣分须写明原因（乡镇会看到）")
        return data


ManualScoreFormSet = forms.formset_factory(ManualScoreForm, extra=0)


class UnitForm(forms.Form):
    name = forms.CharField(label="帮扶单位", max_length=100)
    township = forms.ChoiceField(label="帮扶的镇")
    upper_level = forms.BooleanField(label="上级直管单位（× 3）", required=False)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "—"), *((a.code, a.name) for a in townships)]


class BaseUnitFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        names = [
            f.cleaned_data["name"].strip()
            for f in self.forms
            if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        ]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise forms.ValidationError(f"帮扶单位「{'、'.join(twice)}」重复")


UnitFormSet = forms.formset_factory(UnitForm, formset=BaseUnitFormSet, extra=3, can_delete=True)


class AppealForm(forms.Form):
    indicator = forms.ChoiceField(label="申诉的扣分指标")
    reason = forms.CharField(label="申诉理由", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    evidence = forms.FileField(
        label="证明材料",
        required=False,
        help_text="PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx），不超过 10 MB",
    )

    def __init__(self, *args, deductions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [
            (line.code, f"{line.name}（扣 {line.lost.normalize():f} 分）") for line in deductions
        ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写申诉理由")
        return reason

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return upload
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError("证明材料只能是 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件")
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(f"证明材料不能超过 10 MB（此文件 {upload.size / 1024 / 1024:.1f} MB）")
        head = upload.read(8)
        upload.seek(0)
        if not head.startswith(MAGIC[extension]):
            raise forms.ValidationError(f"文件内容不是 .{extension} 格式，请上传原始文件")
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理结果", choices=[("accept", "采纳"), ("reject", "不采纳")], widget=forms.RadioSelect
    )
    response = forms.CharField(
        label="处理意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="采纳时写明修改了什么（如手工得分、抽查改判），得分随之重新计算",
    )

    def clean_response(self):
        response = self.cleaned_data["response"].strip()
        if not response:
            raise forms.ValidationError("请填写处理意见")
        return response
