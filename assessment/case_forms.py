"""Forms of the workflow pages. They validate and normalise; the services in cases.py, meetings.py, publicity.py and
approval.py do the work (STYLE: forms never run workflows)."""

from __future__ import annotations

from django import forms

from households.models import Area, Household

from .models import Campaign, CampaignPhase, Complaint, Meeting, Policy, PublicityWindow
from .workflow import ELIGIBLE_STATUS, CaseKind, ReturnCause, Stage, return_targets

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label="案件类型", error_messages={"required": "请选择案件类型"})
    removes_household = forms.TypedChoiceField(
        label="清退范围",
        choices=[("1", "整户清退"), ("0", "只清退部分成员（死亡、失踪、不共享开支）")],
        coerce=lambda v: v == "1",
        initial="1",
        required=False,
        widget=forms.RadioSelect,
    )
    members = forms.ModelMultipleChoiceField(
        label="清退的成员", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label="原因", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="留空则使用评估结果的说明"
    )
    return_cause = forms.ChoiceField(label="返贫原因", choices=[("", "—")] + ReturnCause.choices, required=False)
    evidence = forms.CharField(
        label="支撑依据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="返贫必须写明（如：病历、灾情证明）",
    )
    note = forms.CharField(label="立案说明", required=False, max_length=500)

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(k, label) for k, label in CaseKind.choices if household.status in ELIGIBLE_STATUS[k]]
        self.fields["kind"].choices = [("", "—")] + kinds
        self.fields["members"].queryset = household.members.filter(is_active=True).order_by("relation", "pk")
        self.fields["members"].label_from_instance = lambda m: f"{m.name}（{m.get_relation_display()}）"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == CaseKind.RETURN:
            if not data.get("return_cause"):
                self.add_error("return_cause", "返贫案件必须选择返贫原因")
            if not (data.get("evidence") or "").strip():
                self.add_error("evidence", "返贫案件必须写明支撑依据")
        if kind == CaseKind.WRONG_INCLUSION and data.get("removes_household") is False and not data.get("members"):
            self.add_error("members", "只清退部分成员时，请选择要清退的成员")
        if kind != CaseKind.WRONG_INCLUSION:
            data["removes_household"] = True
            data["members"] = []
        elif data.get("removes_household") is not False:
            data["removes_household"] = True
            data["members"] = []
        return data


class StageForm(forms.Form):
    """The stage the user saw: a second click after someone else's move changes nothing."""

    stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(StageForm):
    to = forms.ChoiceField(label="退回到", choices=())
    note = forms.CharField(label="退回原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Stage(s).label) for s in return_targets(stage)]
        self.fields["stage"].initial = stage


class WithdrawForm(StageForm):
    note = forms.CharField(label="撤销原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["received_on", "complainant", "contact", "content"]
        widgets = {"received_on": DATE, "content": forms.Textarea(attrs={"rows": 3})}


class ResolveForm(forms.Form):
    DISMISS, RETURN, WITHDRAW = "dismiss", "return", "withdraw"
    decision = forms.ChoiceField(
        label="核实结论",
        choices=[
            (DISMISS, "举报不属实，案件继续办理"),
            (RETURN, "举报属实，案件退回整改"),
            (WITHDRAW, "举报属实，撤销案件"),
        ],
        widget=forms.RadioSelect,
    )
    return_to = forms.ChoiceField(
        label="退回到", choices=[(s, Stage(s).label) for s in (Stage.SURVEY, Stage.PUBLIC_REVIEW)]
    )
    note = forms.CharField(label="核实情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "host", "place", "form", "participants", "expected_count", "present_count", "minutes"]
        widgets = {
            "held_on": DATE,
            "participants": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != Meeting.Kind.PUBLIC_REVIEW:
            del self.fields["form"]
        if kind == Meeting.Kind.ANALYSIS:
            self.fields["host"].help_text = "动态管理工作核查组负责人"

    def clean(self):
        data = super().clean()
        expected, present = data.get("expected_count"), data.get("present_count")
        if expected is not None and present is not None and present > expected:
            self.add_error("present_count", "实到人数不能多于应到人数")
        return data


class WindowCreateForm(forms.Form):
    level = forms.ChoiceField(label="公示级别", choices=PublicityWindow.Level.choices)
    area = forms.ModelChoiceField(label="村/乡镇", queryset=Area.objects.none())
    title = forms.CharField(label="标题", required=False, max_length=200, help_text="留空自动生成")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda a: (
            f"{a.parent.name} / {a.name}" if a.level == "village" and a.parent_id else a.name
        )

    def clean(self):
        data = super().clean()
        level, area = data.get("level"), data.get("area")
        if level and area and area.level != level:
            self.add_error("area", "村级公示请选择行政村，乡镇公示请选择乡镇")
        return data


class PublishForm(forms.Form):
    open_date = forms.DateField(label="公示开始日期", widget=DATE)


class CampaignForm(forms.ModelForm):
    with_default_schedule = forms.BooleanField(
        label="按河图街道2018年方案（seed 003 §二）生成进度安排", required=False, initial=True
    )

    class Meta:
        model = Campaign
        fields = ["year", "name", "policy", "starts_on", "complaint_phone", "is_current", "note"]
        widgets = {"starts_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"year": {"unique": "该年度已设置"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.all()
        if self.instance.pk:
            del self.fields["with_default_schedule"]

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        if policy.missing_message:
            raise forms.ValidationError(f"「{policy.name}」{policy.missing_message}")
        return policy


PhaseFormSet = forms.inlineformset_factory(
    Campaign,
    CampaignPhase,
    fields=["position", "name", "starts_on", "deadline", "target_stage", "note"],
    widgets={"starts_on": DATE, "deadline": DATE},
    extra=1,
    can_delete=True,
)


class ApprovalForm(forms.Form):
    title = forms.CharField(label="公告标题", required=False, max_length=200, help_text="留空自动生成")
