"""The household list's filter form (a GET form): area selects limited to the user's scope, codes, keyword, sort."""

from __future__ import annotations

from django import forms

from ..choices import HousingGrade, PovertyAttribute, PovertyCause
from ..listing import DEFAULT_SORT, SORT_CHOICES, STATUS_CHOICES, filter_area_options
from ..models import User

ALL = [("", "全部")]


class HouseholdFilterForm(forms.Form):
    township = forms.ChoiceField(label="乡镇", required=False)
    village = forms.ChoiceField(label="村", required=False)
    group = forms.ChoiceField(label="组", required=False)
    status = forms.ChoiceField(label="户状态", required=False, choices=ALL + STATUS_CHOICES)
    attribute = forms.ChoiceField(label="贫困户属性", required=False, choices=ALL + PovertyAttribute.choices)
    main_cause = forms.ChoiceField(label="主要致贫原因", required=False, choices=ALL + PovertyCause.choices)
    housing_grade = forms.ChoiceField(label="危房等级", required=False, choices=ALL + HousingGrade.choices)
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "户编号、成员姓名或证件号码", "type": "search"}),
    )
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)

    AREA_FIELDS = ("township", "village", "group")

    def __init__(self, data, *, user: User):
        super().__init__(data)
        options = filter_area_options(
            user, township=str(self.data.get("township", "")), village=str(self.data.get("village", ""))
        )
        scope_length = len(user.area.code) if user.area_id else 15
        # Only the levels below the user's scope get a select: a village officer sees no township.
        for name, length in zip(self.AREA_FIELDS, (9, 12, 15), strict=True):
            if scope_length >= length:
                del self.fields[name]
        if "township" in self.fields:
            self.fields["township"].choices = [("", "全部乡镇")] + [(a.code, a.name) for a in options["township"]]
        if "village" in self.fields:
            self.fields["village"].choices = [("", "全部村")] + self.village_choices(options)
        if "group" in self.fields:
            empty = "全部组" if options["group"] or scope_length == 12 else "（先选择村）"
            self.fields["group"].choices = [("", empty)] + [(a.code, a.name) for a in options["group"]]
        for bound in self.fields.values():
            css = "form-control" if isinstance(bound, forms.CharField) else "form-select"
            bound.widget.attrs.setdefault("class", f"{css} {css}-sm")

    @staticmethod
    def village_choices(options) -> list:
        """Villages grouped by township when the list spans several townships."""
        names = {a.code: a.name for a in options["township"]}
        if not names or len({a.code[:9] for a in options["village"]}) <= 1:
            return [(a.code, a.name) for a in options["village"]]
        grouped: dict[str, list] = {}
        for area in options["village"]:
            grouped.setdefault(names.get(area.code[:9], area.code[:9]), []).append((area.code, area.name))
        return list(grouped.items())

    def filters(self) -> dict[str, str]:
        """Keyword arguments of ``listing.find_households``; an invalid field is left out, not guessed."""
        self.is_valid()
        data = self.cleaned_data
        area_code = next((data[name] for name in reversed(self.AREA_FIELDS) if data.get(name)), "")
        return {
            "area_code": area_code,
            "status": data.get("status", ""),
            "attribute": data.get("attribute", ""),
            "main_cause": data.get("main_cause", ""),
            "housing_grade": data.get("housing_grade", ""),
            "q": data.get("q", ""),
            "sort": data.get("sort") or DEFAULT_SORT,
        }
