"""Filters that bulk actions trust: an invalid filter value refuses the action instead of being dropped.

django-filter leaves a field out of `cleaned_data` when its value is invalid (`shared_min=abc`, an
environment id that does not exist, a bad date), so `filterset.qs` then matches MORE rows than the
list showed, possibly every row. Anything that acts on "every row the filter matches" goes through
`strict_queryset`, which raises `InvalidFilter` naming each bad field instead.
"""

from django.http import QueryDict
from django.shortcuts import render

__all__ = ["InvalidFilter", "describe_errors", "refuse", "strict_queryset"]


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


def strict_queryset(filterset_class, query, queryset, request=None, **kwargs):
    """`filterset_class` applied to the query string `query` (a str or QueryDict) over `queryset`.

    Raises InvalidFilter when any value is invalid, so the result is never wider than the list showed.
    """
    data = QueryDict(query.lstrip("?")) if isinstance(query, str) else query
    filterset = filterset_class(data or None, queryset=queryset, request=request, **kwargs)
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidFilter(filterset)
    return filterset.qs


def refuse(request, error, back=""):
    """A 400 page (or, for HTMX, a 400 fragment) saying why a bulk action did nothing."""
    template = "core/inc/refused.html" if getattr(request, "htmx", False) else "core/refused.html"
    return render(request, template, {"error": error, "back": back, "title": "Nothing was changed"}, status=400)
