"""Forms of the department pages: the tick-off of a task and the register upload."""

from __future__ import annotations

from django import forms

from assessment.workflow import INCLUSION_KINDS
from households.models import Member

from .models import Department, VerificationTask
from .services import FACT_KIND_FOR_ITEM, FactDetails

Result = VerificationTask.Result


class TickOffForm(forms.Form):
    result = forms.ChoiceField(label="核查结果", choices=Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="核查说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不属实、需补充时必填",
    )
    # What the department found, when it says a household being brought in does hold an excluded asset.
    member = forms.ModelChoiceField(label="所属成员", queryset=Member.objects.none(), required=False)
    event_date = forms.DateField(
        label="发生日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="购车、购房、登记注册日期等",
    )
    amount = forms.DecimalField(label="金额（元）", required=False, max_digits=14, decimal_places=2, min_value=0)
    category = forms.CharField(label="类别", required=False, max_length=50)

    def __init__(self, *args, task: VerificationTask, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.asks_facts = bool(
            task.case_id
            and task.case.kind in INCLUSION_KINDS
            and any(item["code"] in FACT_KIND_FOR_ITEM for item in task.items)
        )
        if self.asks_facts:
            self.fields["member"].queryset = Member.objects.filter(pk__in=task.member_ids)
            self.fields["member"].label_from_instance = lambda m: m.name
        else:
            for name in ("member", "event_date", "amount", "category"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        result = data.get("result")
        if result in (Result.NOT_TRUE, Result.NEEDS_MORE) and not (data.get("note") or "").strip():
            self.add_error("note", "不属实或需补充时必须填写说明")
        if self.asks_facts and result == Result.NOT_TRUE:
            vehicle = any(item["code"] == "E3" for item in self.task.items)
            if vehicle and data.get("amount") is None:
                self.add_error("amount", "核实有机动车时必须填写购车价格")
        return data

    def fact_details(self) -> FactDetails | None:
        if not self.asks_facts:
            return None
        data = self.cleaned_data
        return FactDetails(
            member=data.get("member"),
            event_date=data.get("event_date"),
            amount=data.get("amount"),
            category=data.get("category") or "",
        )


class RegisterUploadForm(forms.Form):
    department = forms.ChoiceField(label="部门", required=False)
    file = forms.FileField(label="部门数据（.xlsx，格式同事实导入）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == "department":
            del self.fields["department"]
        else:
            self.fields["department"].choices = [("", "请选择")] + [
                (d.code, d.name) for d in Department.objects.filter(is_active=True)
            ]
            self.fields["department"].required = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 文件")
        return upload
