from django import forms

from .choices import Role

__all__ = ["RolesForm"]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple)
