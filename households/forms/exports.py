"""The comparison sheet's form (a GET form): a village inside the user's scope and two years."""

from __future__ import annotations

from django import forms

from ..access import visible_areas
from ..choices import AreaLevel
from ..models import User

MIN_YEAR, MAX_YEAR = 2000, 2100


class ComparisonForm(forms.Form):
    village = forms.ChoiceField(label="村")
    first_year = forms.IntegerField(label="上一年度", min_value=MIN_YEAR, max_value=MAX_YEAR)
    last_year = forms.IntegerField(label="本年度", min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, data, *, user: User, initial=None):
        super().__init__(data, initial=initial)
        villages = visible_areas(user).filter(level=AreaLevel.VILLAGE).select_related("parent").order_by("code")
        self.fields["village"].choices = [("", "请选择村")] + [
            (area.code, f"{area.parent.name if area.parent else ''} · {area.name}") for area in villages
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        if first and last and first >= last:
            self.add_error("last_year", "本年度须晚于上一年度")
        return data
