"""Forms of the assessment review pages: the assessment, a sample plan and its strata, a spot check, an answer."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from households.choices import HousingGrade

from .rates import CHECK_RESULT_LABELS
from .review_models import Assessment, PlanStratum, SamplePlan, SatisfactionResponse
from .rules import POLICY_FIELD_LABELS
from .sampling import STRATUM_LABELS
from .spot_checks import RESULT_FOR_STATUS

MIN_SURVEY_VILLAGES = 2
MIN_SURVEY_PER_VILLAGE = 10
BASIS_HELP = (
    "“按可能出错的样本户”：漏评率除以抽到的一般农户，错评率除以未脱贫和已脱贫户，错退率除以已脱贫户；"
    "“按全部样本户”：三个比率都除以全部样本户（第三方评估报告“占样本户的1.38%”的口径）。"
)


class AssessmentForm(forms.ModelForm):
    # The version the form was opened with: a save by someone else meanwhile is a conflict.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Assessment
        fields = ["year", "name", "policy", "rate_basis", "appeal_deadline", "note"]
        widgets = {
            "appeal_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"rate_basis": BASIS_HELP}
        error_messages = {"year": {"unique": "该年度已有考核"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["opened_version"] = self.instance.version
        if self.instance.scores_final:
            # The stored scores were computed with these: changing them now would make the pages disagree.
            for name in ("year", "policy", "rate_basis"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "得分已确定，不能再修改"

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        missing = policy.as_rules_policy().missing_values()
        if missing:
            labels = "、".join(POLICY_FIELD_LABELS.get(name, name) for name in missing)
            raise forms.ValidationError(f"政策「{policy.name}」缺少参数：{labels}，不能用于判定抽查结果")
        return policy


class PlanForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SamplePlan
        fields = [
            "area",
            "name",
            "seed",
            "village_count",
            "min_poor_villages",
            "min_non_poor_villages",
            "satisfaction_villages",
            "satisfaction_per_village",
        ]

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda area: f"{area.code} {area.name}"
        self.fields["area"].empty_label = "请选择乡镇或全县"

    def clean(self):
        data = super().clean()
        count = data.get("village_count") or 0
        poor = data.get("min_poor_villages") or 0
        non_poor = data.get("min_non_poor_villages") or 0
        if poor + non_poor > count:
            self.add_error("village_count", f"抽查村数应不少于贫困村与非贫困村最低数之和（{poor + non_poor} 个）")
        survey = data.get("satisfaction_villages")
        if survey is not None and 0 < survey < MIN_SURVEY_VILLAGES:
            self.add_error("satisfaction_villages", "民意测评每级至少抽查 2 个村（或填 0 表示不做民意测评）")
        per_village = data.get("satisfaction_per_village")
        if survey and per_village is not None and per_village < MIN_SURVEY_PER_VILLAGE:
            self.add_error("satisfaction_per_village", "民意测评每村至少 10 户")
        return data


class StratumForm(forms.Form):
    stratum = forms.ChoiceField(choices=list(STRATUM_LABELS.items()), widget=forms.HiddenInput)
    size = forms.IntegerField(label="抽取户数", min_value=0, required=False)
    scattered_minimum = forms.IntegerField(label="其中分散户不少于", min_value=0, required=False)
    ill_disabled_share = forms.DecimalField(
        label="因病因残户比例不低于", min_value=0, max_value=1, decimal_places=3, required=False
    )
    confidence = forms.TypedChoiceField(
        label="置信水平",
        choices=[("", "—"), ("90", "90%"), ("95", "95%"), ("99", "99%")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    margin = forms.DecimalField(
        label="允许误差", min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), required=False
    )

    @property
    def label(self) -> str:
        return STRATUM_LABELS.get(self["stratum"].value() or self.initial.get("stratum"), "")

    def clean(self):
        data = super().clean()
        size = data.get("size") or 0
        if (data.get("scattered_minimum") or 0) > size:
            self.add_error("scattered_minimum", f"分散户最低户数不能超过抽取户数 {size}")
        if (data.get("confidence") is None) != (data.get("margin") is None):
            self.add_error("margin", "按置信水平计算需同时填写置信水平和允许误差")
        return data

    def stratum_row(self) -> PlanStratum | None:
        data = self.cleaned_data
        if not data.get("size"):
            return None
        return PlanStratum(
            stratum=data["stratum"],
            size=data["size"],
            scattered_minimum=data.get("scattered_minimum") or 0,
            ill_disabled_share=data.get("ill_disabled_share") or Decimal(0),
            confidence=data.get("confidence"),
            margin=data.get("margin"),
        )


StratumFormSet = forms.formset_factory(StratumForm, extra=0, max_num=4, absolute_max=4)


# Seed 002 §五(三): 「至少抽查列入年度的预脱贫户20户(含分散贫困户10户)」 — the defaults of a new plan.
NEW_PLAN_STRATA = {"pre_exit": PlanStratum(stratum="pre_exit", size=20, scattered_minimum=10)}
# Seed 002 §五(三)(四): 「每镇至少抽查1个贫困村、1个非贫困村」, 「每级至少抽查2个村，每村至少抽查10个农户」.
NEW_PLAN_INITIAL = {"village_count": 2, "min_poor_villages": 1, "min_non_poor_villages": 1}


def stratum_initial(plan: SamplePlan | None) -> list[dict]:
    stored = {s.stratum: s for s in plan.strata.all()} if plan and plan.pk else NEW_PLAN_STRATA
    rows = []
    for stratum in STRATUM_LABELS:
        s = stored.get(stratum)
        rows.append(
            {
                "stratum": stratum,
                "size": s.size if s else None,
                "scattered_minimum": s.scattered_minimum if s else None,
                "ill_disabled_share": s.ill_disabled_share if s else None,
                "confidence": s.confidence if s else None,
                "margin": s.margin if s else None,
            }
        )
    return rows


YES_NO = [("", "与档案一致"), ("1", "是"), ("0", "否")]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "1", empty_value=None, required=False
    )


FINDING_FIELDS = (
    "per_capita_income",
    "income_total",
    "family_size",
    "housing_grade",
    "safe_water",
    "water_radius_km",
    "out_of_school",
    "medical_covered",
    "serious_disease",
    "food_clothing_secured",
    "public_payroll",
    "vehicle",
    "vehicle_price",
    "urban_property",
    "business",
)


class SpotCheckForm(forms.Form):
    confirmed = forms.BooleanField(label="核实与档案一致", required=False)
    per_capita_income = forms.DecimalField(label="人均纯收入（元）", min_value=0, decimal_places=2, required=False)
    income_total = forms.DecimalField(label="家庭纯收入（元）", decimal_places=2, required=False)
    family_size = forms.IntegerField(label="家庭人口", min_value=1, required=False)
    housing_grade = forms.ChoiceField(
        label="住房安全等级", choices=[("", "与档案一致"), *HousingGrade.choices], required=False
    )
    safe_water = _yes_no("饮水安全")
    water_radius_km = forms.DecimalField(label="取水半径（公里）", min_value=0, decimal_places=2, required=False)
    out_of_school = _yes_no("有义务教育阶段失学辍学儿童")
    medical_covered = _yes_no("全家参加基本医保、大病保险并签约家庭医生")
    serious_disease = _yes_no("有成员患大病")
    food_clothing_secured = _yes_no("不愁吃、不愁穿")
    public_payroll = _yes_no("有财政供养人员")
    vehicle = _yes_no("有机动车")
    vehicle_price = forms.DecimalField(label="机动车价格（元）", min_value=0, decimal_places=2, required=False)
    urban_property = _yes_no("在城镇有商品房、自建房或门面房")
    business = _yes_no("有工商注册并实际经营")
    result = forms.ChoiceField(label="改判结论", required=False)
    override_reason = forms.CharField(label="改判理由", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    note = forms.CharField(label="复核说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, status: str, **kwargs):
        super().__init__(*args, **kwargs)
        possible = RESULT_FOR_STATUS.get(status, ())
        self.fields["result"].choices = [("", "按系统判定")] + [(r, CHECK_RESULT_LABELS[r]) for r in possible]

    def clean(self):
        data = super().clean()
        findings = self.findings()
        if data.get("confirmed") and findings:
            raise forms.ValidationError("已勾选“核实与档案一致”，请不要再填写复核数据（或取消勾选）")
        if not data.get("confirmed") and not findings and not self.errors:
            raise forms.ValidationError("请勾选“核实与档案一致”，或填写实地复核的数据")
        if data.get("per_capita_income") is not None and data.get("income_total") is not None:
            self.add_error("income_total", "人均纯收入与家庭纯收入只填一项")
        if (data.get("income_total") is None) != (data.get("family_size") is None):
            self.add_error("family_size", "按家庭纯收入计算人均时，家庭纯收入和家庭人口都要填写")
        if data.get("vehicle") is True and data.get("vehicle_price") is None:
            self.add_error("vehicle_price", "有机动车时请填写机动车价格")
        return data

    def findings(self) -> dict:
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in FINDING_FIELDS if data.get(name) not in (None, "")}


def check_initial(check) -> dict:
    if check is None:
        return {"version": 0}
    initial = {
        "confirmed": check.confirmed,
        "result": check.result if check.overridden else "",
        "override_reason": check.override_reason,
        "note": check.note,
        "version": check.version,
    }
    for name, value in check.findings.items():
        initial[name] = ("1" if value else "0") if isinstance(value, bool) else value
    return initial


class AnswerForm(forms.Form):
    number = forms.CharField(label="户编号", max_length=32)
    answer = forms.ChoiceField(label="测评结果", choices=SatisfactionResponse.Answer.choices, widget=forms.RadioSelect)
    respondent = forms.CharField(label="受访人", max_length=50, required=False)
    note = forms.CharField(label="意见建议", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].error_messages["required"] = "请选择测评结果：满意、基本满意或不满意"
