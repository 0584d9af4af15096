"""The survey form (实地调查表): household, yearly income, members and the signature block.

The forms validate and normalise; ``households.survey.save_survey`` writes them in one transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from ..access import area_in_scope, visible_areas
from ..choices import (
    AreaLevel,
    DropoutReason,
    HouseholdStatus,
    MemberReduceReason,
    PovertyCause,
    Relation,
    SchoolingStatus,
)
from ..idnumber import IdInfo, parse_id_number
from ..models import Area, Household, Member, MemberYear, Survey, YearlyIncome, net_income, per_capita_net_income

# 建档立卡 began in 2014 with the income of 2013: no earlier year belongs on the form.
FIRST_YEAR = 2013
MAX_MEMBERS = 30
MONEY_FIELDS = ("wage", "business", "property_income", "transfer", *YearlyIncome.TRANSFER_PARTS, "business_expenses")
INCOME_ADDENDS = ("wage", "business", "property_income", "transfer")
STALE_MEMBER = "该成员已不是本户的在册成员（可能刚被他人办理了减少或转移），请重新载入本页"
HEALTH_CHOICES = [("chronic_disease", "长期慢性病"), ("serious_disease", "患有大病"), ("disabled", "残疾")]
ZERO = Decimal("0")


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def area_path(area: Area) -> str:
    """乡镇 / 村 / 组 of a village or group (its parents must be select_related)."""
    names = []
    node = area
    while node is not None:
        names.append(node.name)
        if node.level in (AreaLevel.TOWNSHIP, AreaLevel.COUNTY):
            break
        node = node.parent
    return " / ".join(reversed(names))


def not_in_future(value: datetime.date | None, label: str) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"{label}不能晚于今天（{timezone.localdate():%Y-%m-%d}）")


def parse_money(value) -> Decimal | None:
    """A typed amount for the live preview: blank is 0, anything unparsable is None."""
    if value in (None, ""):
        return ZERO
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def validate_money(value: Decimal) -> None:
    """Yuan with at most two decimals (FORMATS §2), in words a clerk understands."""
    if value.as_tuple().exponent < -2:
        raise forms.ValidationError("金额最多保留两位小数（到分）")
    if abs(value) >= Decimal("1e12"):
        raise forms.ValidationError("金额过大，请核对")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return area_path(obj)


class HouseholdForm(forms.ModelForm):
    """户基本情况, 住房 and 生活条件. The version travels as a hidden field (optimistic locking)."""

    area = AreaChoiceField(
        label="所在村组（乡镇 / 村 / 组）",
        queryset=Area.objects.none(),
        empty_label="请选择村组",
        error_messages={"invalid_choice": "所选村组不存在或不在您的管辖范围内"},
    )
    other_causes = forms.MultipleChoiceField(
        label="其他致贫原因",
        choices=PovertyCause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="最多两项，不能与主要致贫原因重复",
    )
    version = forms.IntegerField(label="版本", widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Household
        fields = [
            "area",
            "number",
            "address",
            "phone",
            "status",
            "returned_year",
            "attribute",
            "id_standard",
            "registered_on",
            "exit_year",
            "main_cause",
            "other_causes",
            "card_colour",
            "food_clothing_secured",
            "housing_area",
            "housing_structure",
            "housing_grade",
            "relocation",
            "safe_water",
            "water_radius_km",
            "electricity",
            "radio_tv",
            "broadband",
            "sanitary_toilet",
            "road_distance_km",
            "arable_land_mu",
            "forest_land_mu",
            "longitude",
            "latitude",
        ]
        widgets = {"registered_on": date_input()}
        labels = {"returned_year": "返贫年度", "food_clothing_secured": "不愁吃、不愁穿"}
        help_texts = {
            "returned_year": "返贫户填写",
            "attribute": "一般农户可不填",
            "registered_on": "一般农户可不填",
            "exit_year": "已脱贫户必填",
            "main_cause": "一般农户可不填",
        }
        error_messages = {"number": {"unique": "该户编号已被其他农户使用，请核对"}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].queryset = (
            visible_areas(user)
            .filter(level__in=[AreaLevel.VILLAGE, AreaLevel.GROUP])
            .select_related("parent__parent")
            .order_by("code")
        )
        if self.instance.pk:
            del self.fields["number"]
            self.initial["version"] = self.instance.version
            self.initial["other_causes"] = self.instance.other_cause_codes
        else:
            del self.fields["version"]
            self.fields["number"].validators.append(
                RegexValidator(r"^[0-9A-Za-z_-]+$", "户编号只能包含数字、字母、短横线和下划线")
            )
        this_year = timezone.localdate().year
        for name in ("returned_year", "exit_year"):
            self.fields[name].validators += [
                MinValueValidator(FIRST_YEAR, f"年度不能早于{FIRST_YEAR}年"),
                MaxValueValidator(this_year, f"年度不能晚于{this_year}年"),
            ]
        for name in ("housing_area", "water_radius_km", "road_distance_km", "arable_land_mu", "forest_land_mu"):
            self.fields[name].validators.append(MinValueValidator(ZERO, "不能为负数"))
        # China lies within these bounds: a swapped longitude and latitude is caught here.
        self.fields["longitude"].validators += [
            MinValueValidator(73, "经度应在73到136之间"),
            MaxValueValidator(136, "经度应在73到136之间"),
        ]
        self.fields["latitude"].validators += [
            MinValueValidator(3, "纬度应在3到54之间"),
            MaxValueValidator(54, "纬度应在3到54之间"),
        ]

    def clean_area(self):
        area = self.cleaned_data["area"]
        if not area_in_scope(self.user, area):
            raise forms.ValidationError("所选村组不存在或不在您的管辖范围内")
        return area

    def clean_registered_on(self):
        value = self.cleaned_data["registered_on"]
        not_in_future(value, "建档立卡日期")
        return value

    def clean(self):
        data = super().clean()
        status = data.get("status")
        registered_on = data.get("registered_on")
        if status and status != HouseholdStatus.ORDINARY:
            if not data.get("attribute"):
                self.add_error("attribute", "贫困户必须选择贫困户属性（一般农户可不填）")
            if not registered_on and "registered_on" not in self.errors:
                self.add_error("registered_on", "贫困户必须填写建档立卡日期（一般农户可不填）")
            if not data.get("main_cause"):
                self.add_error("main_cause", "贫困户必须选择主要致贫原因")
        if status == HouseholdStatus.EXITED and not data.get("exit_year") and "exit_year" not in self.errors:
            self.add_error("exit_year", "已脱贫户必须填写脱贫年度")
        exit_year = data.get("exit_year")
        if exit_year and registered_on and exit_year < registered_on.year:
            self.add_error("exit_year", f"脱贫年度不能早于建档立卡年度（{registered_on.year}年）")
        if data.get("returned_year") and status == HouseholdStatus.ORDINARY:
            self.add_error("returned_year", "一般农户不能填写返贫年度")
        self._clean_other_causes(data)
        return data

    def _clean_other_causes(self, data):
        if "other_causes" not in data:
            return
        codes = data["other_causes"]
        main = data.get("main_cause")
        labels = dict(PovertyCause.choices)
        if len(codes) > 2:
            self.add_error("other_causes", f"其他致贫原因最多选择两项，当前选择了{len(codes)}项")
        elif main and main in codes:
            self.add_error("other_causes", f"其他致贫原因不能与主要致贫原因（{labels[main]}）重复")
        elif codes and not main:
            self.add_error("other_causes", "请先选择主要致贫原因")
        else:
            order = [code for code, _ in PovertyCause.choices]
            data["other_causes"] = ",".join(sorted(codes, key=order.index))

    def set_version(self, version: int) -> None:
        """After a conflict: carry the current version so that a deliberate second submit can succeed."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


class IncomeForm(forms.ModelForm):
    """年度收入 of the chosen income year. Blank amounts count as 0."""

    year = forms.TypedChoiceField(label="收入年度", coerce=int)

    class Meta:
        model = YearlyIncome
        fields = ["year", *MONEY_FIELDS]

    def __init__(self, *args, recorded_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        recorded = set(recorded_years)
        years = sorted(set(range(FIRST_YEAR, timezone.localdate().year + 1)) | recorded, reverse=True)
        self.fields["year"].choices = [(y, f"{y}年" + ("（已录入）" if y in recorded else "")) for y in years]
        self.fields["year"].widget.attrs["data-year-select"] = ""
        for name in MONEY_FIELDS:
            field = self.fields[name]
            field.required = False
            field.validators = [v for v in field.validators if not isinstance(v, DecimalValidator)]
            field.validators += [MinValueValidator(ZERO, "金额不能为负数"), validate_money]
            field.widget.attrs.update({"step": "0.01", "min": "0", "data-money": name})

    def clean(self):
        data = super().clean()
        for name in MONEY_FIELDS:
            if name in data and data[name] is None:
                data[name] = ZERO
        parts = [data.get(name) for name in YearlyIncome.TRANSFER_PARTS]
        transfer = data.get("transfer")
        if transfer is not None and all(p is not None for p in parts):
            total = sum(parts, ZERO)
            if total > transfer:
                self.add_error(
                    "transfer",
                    f"转移性收入各项之和 {total:,.2f} 元超过了转移性收入 {transfer:,.2f} 元，请核对",
                )
        return data

    def amounts(self) -> dict[str, Decimal | None]:
        """The amounts as currently typed (bound) or stored (unbound), for the server-side preview."""
        return {name: parse_money(self[name].value()) for name in MONEY_FIELDS}

    def preview(self, member_count: int) -> dict[str, Decimal | None]:
        amounts = self.amounts()
        if any(v is None for v in amounts.values()):
            return {"net": None, "per_capita": None, "parts": None}
        net = net_income(*(amounts[n] for n in INCOME_ADDENDS), amounts["business_expenses"])
        parts = sum((amounts[n] for n in YearlyIncome.TRANSFER_PARTS), ZERO)
        return {"net": net, "per_capita": per_capita_net_income(net, member_count), "parts": parts}


class MemberForm(forms.ModelForm):
    """One active member. Sex and birth date come from the ID number; schooling is per income year."""

    id_number = forms.CharField(label="证件号码", max_length=30, widget=forms.TextInput(attrs={"data-id-number": ""}))
    schooling_status = forms.ChoiceField(
        label="在校生状况", choices=SchoolingStatus.choices, initial=SchoolingStatus.NOT_STUDENT
    )
    dropout_reason = forms.ChoiceField(
        label="失学辍学原因", choices=[("", "（无）"), *DropoutReason.choices], required=False
    )
    heavy_study_burden = forms.BooleanField(label="就读负担较重", required=False)
    health = forms.MultipleChoiceField(
        label="健康状况",
        choices=HEALTH_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="都不勾选即为健康",
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "relation",
            "ethnicity",
            "education",
            "disease_name",
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
        labels = {"migrant_months": "务工时间（月）", "shares_income": "共享开支"}

    def __init__(self, *args, year_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.id_info: IdInfo | None = None
        member = self.instance
        if member.pk:
            row = (year_rows or {}).get(member.pk) or member
            self.initial.update(
                schooling_status=row.schooling_status,
                dropout_reason=row.dropout_reason,
                heavy_study_burden=row.heavy_study_burden,
                health=[name for name, _ in HEALTH_CHOICES if getattr(member, name)],
            )
        self.fields["migrant_months"].validators += [
            MinValueValidator(0, "务工时间应在0到12个月之间"),
            MaxValueValidator(12, "务工时间应在0到12个月之间"),
        ]
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select-sm"
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs["class"] = "form-control-sm"
            if name == "name":
                widget.attrs["data-member-name"] = ""

    def clean_id_number(self):
        self.id_info = parse_id_number(self.cleaned_data["id_number"], today=timezone.localdate())
        return self.id_info.number

    def clean(self):
        data = super().clean()
        health = data.get("health") or []
        if "serious_disease" in health and not data.get("disease_name"):
            self.add_error("disease_name", "患有大病须填写疾病名称")
        if "disabled" in health and not data.get("disability_grade"):
            self.add_error("disability_grade", "残疾须选择残疾等级")
        if data.get("disability_grade") and "disabled" not in health and "health" in data:
            self.add_error("disability_grade", "未勾选残疾时不应填写残疾等级")
        if data.get("dropout_reason") and data.get("schooling_status") not in (None, SchoolingStatus.NOT_STUDENT):
            self.add_error("dropout_reason", "在校生不应填写失学辍学原因；失学辍学者的在校生状况应为非在校生")
        return data

    def health_flags(self) -> dict[str, bool]:
        health = self.cleaned_data.get("health") or []
        return {name: name in health for name, _ in HEALTH_CHOICES}

    def derived(self) -> tuple[str, datetime.date] | None:
        """性别 and 出生日期 as shown read-only: from the typed ID when valid, else from the stored member."""
        if self.id_info:
            return ("男" if self.id_info.sex == "1" else "女", self.id_info.birth_date)
        if self.instance.pk and not self.is_bound:
            return (self.instance.get_sex_display(), self.instance.birth_date)
        return None

    def is_present(self) -> bool:
        """Saved members always count; a new row counts once something was typed into it."""
        return bool(self.instance.pk) or self.has_changed()


class BaseMemberFormSet(BaseInlineFormSet):
    """The household's active members. Existing members are never deleted here (SPEC §7)."""

    def __init__(self, *args, creating=False, year_rows=None, **kwargs):
        self.extra = 1 if creating else 0
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "year_rows": year_rows or {}}
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["id"].label = "成员"
        form.fields["id"].error_messages["invalid_choice"] = STALE_MEMBER

    def present_forms(self) -> list[MemberForm]:
        return [form for form in self.forms if form.is_present()]

    def clean(self):
        super().clean()
        for form in self.initial_forms:
            # A saved row whose member is no longer an active member here: Django would quietly
            # make it a new member, so refuse it instead.
            if form.instance.pk is None:
                form.add_error(None, STALE_MEMBER)
        present = self.present_forms()
        if not present:
            raise forms.ValidationError("每户至少要登记一名家庭成员")
        errors = []
        relations = [form.cleaned_data.get("relation") for form in present]
        if all(relations):
            heads = relations.count(Relation.HEAD)
            if heads == 0:
                errors.append("每户必须有一名户主，当前没有成员的与户主关系为“户主”")
            elif heads > 1:
                errors.append(f"每户只能有一名户主，当前有{heads}名成员的与户主关系为“户主”")
        self._check_repeated_id_numbers()
        self.check_other_households()
        if errors:
            raise forms.ValidationError(errors)

    def _check_repeated_id_numbers(self):
        seen: dict[str, int] = {}
        for position, form in enumerate(self.forms, start=1):
            number = form.is_present() and form.cleaned_data.get("id_number")
            if not number:
                continue
            if number in seen:
                form.add_error("id_number", f"证件号码与本表第{seen[number]}名成员重复")
            else:
                seen[number] = position

    def check_other_households(self) -> bool:
        """Refuse ID numbers active in another household, naming it (one query for all rows)."""
        rows: dict[str, list[MemberForm]] = {}
        for form in self.present_forms():
            number = form.cleaned_data.get("id_number")
            if number:
                rows.setdefault(number, []).append(form)
        if not rows:
            return False
        others = Member.objects.active().filter(id_number__in=rows).select_related("household__area__parent__parent")
        if self.instance.pk:
            others = others.exclude(household_id=self.instance.pk)
        found = False
        for other in others:
            household = other.household
            message = (
                f"该证件号码已是农户 {household.number}（{area_path(household.area)}）的在册成员，不能重复登记；"
                "如属户间转移，请在原户办理成员转移"
            )
            for form in rows[other.id_number]:
                form.add_error("id_number", message)
                found = True
        return found


MemberFormSet = inlineformset_factory(
    Household,
    Member,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    can_delete=False,
    max_num=MAX_MEMBERS,
    validate_max=True,
)


class SignatureForm(forms.ModelForm):
    """调查签字: the surveyor, the team leader and the village party secretary, each with a date."""

    class Meta:
        model = Survey
        fields = [
            "surveyor",
            "surveyed_on",
            "team_leader",
            "team_leader_signed_on",
            "village_secretary",
            "village_secretary_signed_on",
        ]
        widgets = {
            "surveyed_on": date_input(),
            "team_leader_signed_on": date_input(),
            "village_secretary_signed_on": date_input(),
        }
        labels = {"team_leader_signed_on": "签字日期", "village_secretary_signed_on": "签字日期"}
        help_texts = {"surveyed_on": "与已有调查记录同一天时更新该次记录，否则新增一次入户调查"}

    def clean(self):
        data = super().clean()
        for name in ("surveyed_on", "team_leader_signed_on", "village_secretary_signed_on"):
            try:
                not_in_future(data.get(name), "日期")
            except forms.ValidationError as error:
                self.add_error(name, error)
        for person, signed_on, title in (
            ("team_leader", "team_leader_signed_on", "组长"),
            ("village_secretary", "village_secretary_signed_on", "村党组织书记"),
        ):
            if data.get(person) and not data.get(signed_on) and signed_on not in self.errors:
                self.add_error(signed_on, f"请填写{title}签字日期")
            if data.get(signed_on) and not data.get(person):
                self.add_error(person, f"填写了签字日期，请同时填写{title}姓名")
        return data


class SurveyForms:
    """The four parts of one survey page, built and validated together."""

    def __init__(self, *, user, household: Household | None = None, data=None, year: int | None = None):
        self.creating = household is None
        self.household = household if household is not None else Household()
        incomes = {} if self.creating else {income.year: income for income in self.household.incomes.all()}
        self.year = self._pick_year(data, year, incomes)
        self.income_exists = self.year in incomes
        year_rows = {}
        latest_survey = None
        self.removed_members = []
        if not self.creating:
            year_rows = {
                row.member_id: row
                for row in MemberYear.objects.filter(member__household=self.household, year=self.year)
            }
            latest_survey = self.household.surveys.first()
            self.removed_members = list(self.household.members.filter(is_active=False).order_by("removed_on", "id"))
        self.household_form = HouseholdForm(data, instance=self.household, user=user)
        self.income_form = IncomeForm(
            data,
            prefix="income",
            instance=incomes.get(self.year) or YearlyIncome(year=self.year),
            recorded_years=incomes,
        )
        self.member_formset = MemberFormSet(
            data,
            instance=self.household,
            prefix="members",
            queryset=Member.objects.none() if self.creating else self.household.members.active(),
            creating=self.creating,
            year_rows=year_rows,
        )
        self.signature_form = SignatureForm(
            data,
            prefix="survey",
            instance=latest_survey or Survey(),
            initial=None if latest_survey else {"surveyed_on": timezone.localdate()},
        )

    @staticmethod
    def _pick_year(data, year: int | None, incomes: dict) -> int:
        if data is not None:
            try:
                return int(data.get("income-year", ""))
            except ValueError:
                pass
        if year and (FIRST_YEAR <= year <= timezone.localdate().year or year in incomes):
            return year
        if incomes:
            return max(incomes)
        return timezone.localdate().year - 1

    def parts(self) -> dict:
        return {
            "household_form": self.household_form,
            "member_formset": self.member_formset,
            "income_form": self.income_form,
            "signature_form": self.signature_form,
        }

    def is_valid(self) -> bool:
        results = [part.is_valid() for part in self.parts().values()]
        return all(results)

    def member_count(self) -> int:
        count = 0
        for form in self.member_formset.forms:
            if form.instance.pk or (form["name"].value() or "").strip() or (form["id_number"].value() or "").strip():
                count += 1
        return count

    def preview(self) -> dict:
        count = self.member_count()
        return {"member_count": count, **self.income_form.preview(count)}

    def error_items(self) -> list[tuple[str, str, str]]:
        """(where, message, anchor id) for the summary at the top of the page."""
        if not any(part.is_bound for part in self.parts().values()):
            return []
        items = []
        sections = [("户基本情况", self.household_form), ("年度收入", self.income_form)]
        for title, form in sections:
            items += self._form_errors(title, form)
        items += [("家庭成员", str(message), "member-rows") for message in self.member_formset.non_form_errors()]
        for position, form in enumerate(self.member_formset.forms, start=1):
            name = (form["name"].value() or "").strip()
            items += self._form_errors(f"家庭成员第{position}行" + (f"（{name}）" if name else ""), form)
        items += self._form_errors("调查签字", self.signature_form)
        return items

    @staticmethod
    def _form_errors(title: str, form) -> list[tuple[str, str, str]]:
        items = []
        for name, messages in form.errors.items():
            if name in form.fields:
                where, anchor = f"{title} · {form.fields[name].label}", form[name].auto_id
            else:
                where, anchor = title, ""
            items += [(where, str(message), anchor) for message in messages]
        return items

    def flag_duplicate_id_numbers(self) -> None:
        """After a unique-constraint race: point at the rows that now collide, or say so in general."""
        if not self.member_formset.check_other_households():
            self.member_formset.non_form_errors().append(
                "保存失败：有成员的证件号码刚刚被他人登记到其他农户，请核对证件号码后重新提交"
            )

    def flag_duplicate_number(self) -> None:
        self.household_form.add_error("number", "该户编号刚刚被他人使用，请核对")

    def removed_member_rows(self) -> list[tuple[Member, str]]:
        labels = dict(MemberReduceReason.choices)
        return [(m, labels.get(m.removed_reason, m.removed_reason)) for m in self.removed_members]
