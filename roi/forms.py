"""Forms of the ROI pages that filter no queryset (the rest use ``roi.filtersets``)."""

from django import forms

# The years the ROI pages offer: beyond them a period cannot be drawn (dates stop at 9999).
MIN_YEAR, MAX_YEAR = 2000, 2100


class YearForm(forms.Form):
    """Which year the recognition board shows."""

    year = forms.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)


class AsOfForm(forms.Form):
    """The day a single gap's before/after is drawn as of."""

    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
