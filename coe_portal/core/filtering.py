"""Strict filters: an unknown or invalid filter parameter is refused, never dropped.

django-filter leaves a field out of `cleaned_data` when its value is invalid (`shared_min=abc`, an
environment id that does not exist, a bad date), ignores parameters it has no filter for
(`enviroment=7`) and reads a yes/no it does not know (`default_environment=ture`) as "any", so
`filterset.qs` then matches MORE rows than asked for, possibly every row. `strictly()` adds those
to the filterset's errors; list pages and API lists answer 400 naming them, and anything that acts
on "every row the filter matches" goes through `strict_queryset`, which raises `InvalidFilter`.
"""

from django import forms
from django.http import QueryDict
from django.shortcuts import render
from django_filters import BooleanFilter
from django_filters.widgets import BooleanWidget

__all__ = ["API_CONTROLS", "LIST_CONTROLS", "PAGE_SIZES", "AnyYesNoSelect", "InvalidFilter", "describe_active",
           "describe_errors", "refuse", "say_any", "strict_queryset", "strictly"]

PAGE_SIZES = (25, 50, 100, 200)
# Parameters the list machinery reads besides the filters: a list page's page, size, column sort
# and CSV export; an API list's cursor, page size and renderer.
LIST_CONTROLS = frozenset({"page", "per_page", "sort", "export"})
API_CONTROLS = frozenset({"cursor", "page_size", "format"})
# The spellings each yes/no widget reads as yes or no (the select's "unknown" is its "any");
# anything else the widget silently reads as "any".
NULL_BOOLEAN_WORDS = frozenset({"true", "false", "True", "False", "2", "3", "unknown"})
LOWERCASE_WORDS = {forms.CheckboxInput: frozenset({"on", "true", "false"}),
                   BooleanWidget: frozenset({"true", "false"})}


class InvalidFilter(ValueError):
    """The filter has invalid values; `fields` lists the bad field names, the message names each with its error."""

    def __init__(self, filterset):
        self.fields = list(filterset.errors)
        self.detail = describe_errors(filterset)
        super().__init__(f"the filter is not valid: {self.detail}")


def describe_errors(filterset):
    """"Label (name): error; ..." for every invalid field of a bound filterset."""
    parts = []
    for name, errors in filterset.errors.items():
        field, declared = filterset.form.fields.get(name), filterset.filters.get(name)
        label = (field and field.label) or (declared and declared.label) or name.replace("_", " ").capitalize()
        parts.append(f"{label} ({name}): {' '.join(str(error) for error in errors)}")
    return "; ".join(parts)


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter whose "no filter" choice says "Any" (Django's says "Unknown", which reads as a value)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]

    def format_value(self, value):
        # A list, as other selects give: the options are matched by `in`, and "" is in every string.
        return [{True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")]


def say_any(form):
    """Give the form's yes/no selects an "Any" choice in place of "Unknown" (a list page's filter form)."""
    for field in form.fields.values():
        if type(field.widget) is forms.NullBooleanSelect:
            field.widget = AnyYesNoSelect(field.widget.attrs)


def describe_active(filterset):
    """[(label, value in words)] of the filters a valid bound filterset applies, for the list's summary line."""
    if not filterset.is_bound or filterset.errors:
        return []
    form, active = filterset.form, []
    for name, value in form.cleaned_data.items():
        unset = value is None or (isinstance(value, (str, list)) and not value)
        if unset or (value is False and name not in filterset.data):  # an unticked box is no filter
            continue
        field = form.fields[name]
        active.append((field.label or name.replace("_", " ").capitalize(), _in_words(field, value)))
    return active


def _in_words(field, value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)  # a model instance (environment, tag, connector) by its name


def strictly(filterset, allowed=LIST_CONTROLS):
    """Add to a bound filterset's errors every parameter it has no filter for (except `allowed`),
    every yes/no value its widget would read as "any", and a page size not in PAGE_SIZES."""
    if not filterset.is_bound:
        return filterset
    data, form = filterset.data, filterset.form
    errors = form.errors  # validates the form first
    for name in data:
        if name not in filterset.filters and name not in allowed:
            # The name is the caller's and may hold a %: it goes in as a param, not into the message.
            errors[name] = form.error_class([forms.ValidationError("Unknown filter “%(name)s”.", code="unknown",
                                                                   params={"name": name[:50]})])
    for name, declared in filterset.filters.items():
        raw = data.get(name)
        if raw and isinstance(declared, BooleanFilter) and name not in errors and not _yes_or_no(form[name], raw):
            errors[name] = form.error_class(["Give true or false."])
    size = data.get("per_page")
    if "per_page" in allowed and size and not (size.isdigit() and int(size) in PAGE_SIZES):
        errors["per_page"] = form.error_class([f"Choose a page size of {', '.join(map(str, PAGE_SIZES))}."])
    form.cleaned_data = {name: value for name, value in form.cleaned_data.items() if name not in errors}
    return filterset


def _yes_or_no(bound_field, raw):
    for widget_class, words in LOWERCASE_WORDS.items():
        if isinstance(bound_field.field.widget, widget_class):
            return raw.lower() in words
    return raw in NULL_BOOLEAN_WORDS


def strict_queryset(filterset_class, query, queryset, request=None, **kwargs):
    """`filterset_class` applied to the query string `query` (a str or QueryDict) over `queryset`.

    Raises InvalidFilter when any parameter is unknown or any value invalid, so the result is never
    wider than the list showed. The list's own controls (page, size, sort) may ride along.
    """
    data = QueryDict(query.lstrip("?")) if isinstance(query, str) else query
    filterset = strictly(filterset_class(data or None, queryset=queryset, request=request, **kwargs))
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidFilter(filterset)
    return filterset.qs


def refuse(request, error, back=""):
    """A 400 page (or, for HTMX, a 400 fragment) saying why a bulk action did nothing."""
    template = "core/inc/refused.html" if getattr(request, "htmx", False) else "core/refused.html"
    return render(request, template, {"error": error, "back": back, "title": "Nothing was changed"}, status=400)
