from django import forms

__all__ = ["ImportForm"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="The DLP editor's apps.csv or flow.csv, or a CSV export of a CoE Starter Kit inventory table.")
