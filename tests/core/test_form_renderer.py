"""FastRenderer writes input and select widgets exactly as Django's widget templates do."""

import inspect

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

import coe_portal.core.forms
import comms.forms
import inventory.forms
import migrations_app.forms
from coe_portal.core import filtersets as core_filtersets
from coe_portal.core.form_renderer import FastRenderer
from comms import filtersets as comms_filtersets
from dlp import filtersets as dlp_filtersets
from inventory import filtersets as inventory_filtersets
from migrations_app import filtersets as migrations_filtersets
from tests.inventory.factories import make_environment, make_tag

pytestmark = pytest.mark.django_db


class Awkward(forms.Form):
    """Values, labels and attributes that need escaping, groups, multiple choice, booleans."""

    text = forms.CharField(initial='"quoted" <b>&', widget=forms.TextInput(attrs={"placeholder": "a < b",
                                                                                "data-x": True,
                                                                                "data-off": False}))
    number = forms.IntegerField(initial=3, required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    flag = forms.BooleanField(initial=True, required=False)
    hidden = forms.CharField(initial=mark_safe("<safe>"), widget=forms.HiddenInput)
    choice = forms.ChoiceField(choices=[("", "---"), ("a&b", 'A "and" B'), ("Group <1>", [("x", "X"), ("y", "<Y>")])],
                               initial="x")
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two")], initial=[2], required=False)
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect)


def _all_forms():
    yield Awkward()
    yield Awkward(data={"text": "x'y", "number": "abc", "choice": "y", "many": ["1", "2"]})
    for module in (inventory_filtersets, dlp_filtersets, comms_filtersets, core_filtersets, migrations_filtersets):
        for _, filterset in inspect.getmembers(module, inspect.isclass):
            if filterset.__module__ == module.__name__ and getattr(filterset, "_meta", None) \
                    and filterset._meta.model is not None:
                yield filterset(None).form
                yield filterset({"q": "<x>"}).form
    for module in (inventory.forms, comms.forms, coe_portal.core.forms, migrations_app.forms):
        for _, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.Form) and form_class.__module__ == module.__name__:
                try:
                    yield form_class()
                except TypeError:  # forms that need arguments of their own
                    continue


def _html(form, renderer):
    form.renderer = renderer
    return [str(field) for field in form]


def test_it_renders_every_form_field_as_django_does():
    make_environment()
    make_tag("Needs <review>")
    fast, django = FastRenderer(), DjangoTemplates()
    compared = 0
    for form in _all_forms():
        assert _html(form, fast) == _html(form, django), type(form)
        compared += len(form.fields)
    assert compared > 100


def test_it_uses_python_for_inputs_and_selects_only(monkeypatch):
    calls = []
    monkeypatch.setattr(DjangoTemplates, "render", lambda self, name, context, request=None: calls.append(name) or "")
    form = Awkward()
    form.renderer = FastRenderer()
    for name in ("text", "number", "day", "flag", "hidden", "choice", "many"):
        str(form[name])
    assert calls == []
    str(form["radio"])
    assert calls == ["django/forms/widgets/radio.html"]
