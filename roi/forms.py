"""Forms of the ROI pages that filter no queryset (the rest use ``roi.filtersets``)."""

from django import forms


class YearForm(forms.Form):
    """Which year the recognition board shows."""

    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)


class AsOfForm(forms.Form):
    """The day a single gap's before/after is drawn as of."""

    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
