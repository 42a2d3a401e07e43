"""Environment and tag choices of the item filters, read from the database only when those tables change.

A list page offered every environment and tag as model instances read on each request (three queries and
sixty instances with a tag chosen). The choices are kept in this process under a fingerprint of what they
show, which one small query reads; any write (a sync, a CSV import, a tag created, renamed, merged or
deleted, by whatever path) changes the fingerprint, so the next request reads them again.
"""
from functools import cache

import django_filters
from django.core.exceptions import ValidationError
from django.db import connection
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from .models import Environment, Tag

__all__ = ["KeptChoicesMixin", "KeptModelChoiceField", "KeptModelChoiceFilter", "kept_choices"]

_kept = {}  # (fingerprint, declared queryset) -> Kept; emptied when the fingerprint changes


class Kept:
    """The instances a choice field offers, in order, and by the value a request sends."""

    def __init__(self, queryset):
        self.objects = list(queryset.all())  # a copy: the declared queryset would keep its first rows
        self._by = {}

    def by(self, key):
        if key not in self._by:
            self._by[key] = {str(getattr(obj, key)): obj for obj in self.objects}
        return self._by[key]


@cache
def _fingerprint_sql():
    env, tag = Environment._meta.db_table, Tag._meta.db_table
    return (f"SELECT md5(concat((SELECT string_agg(concat_ws(':', id, display_name, is_default, deleted_at IS NULL),"
            f" '|' ORDER BY id) FROM {env}), '#', (SELECT string_agg(concat_ws(':', id, name, slug), '|' ORDER BY id)"
            f" FROM {tag})))")


def fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return cursor.fetchone()[0]


def kept(queryset, fingerprint):
    name = (fingerprint, queryset)  # the filter's declared queryset, one object for the life of the process
    found = _kept.get(name)
    if found is None:
        found = Kept(queryset)
        if any(other[0] != fingerprint for other in list(_kept)):
            _kept.clear()
        _kept[name] = found
    return found


class KeptIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.kept is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.field.kept.objects:
            yield self.choice(obj)

    def __len__(self):
        if self.field.kept is None:
            return super().__len__()
        return len(self.field.kept.objects) + (self.field.empty_label is not None) + (self.field.null_label is not None)


class KeptModelChoiceField(ModelChoiceField):
    """A model choice whose choices and chosen instance come from `kept` (or, without it, from its queryset)."""

    iterator = KeptIterator

    def __init__(self, *args, kept=None, **kwargs):
        self.kept = kept
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if self.kept is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        chosen = self.kept.by(self.to_field_name or "pk").get(self._key(value))
        if chosen is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return chosen

    def _key(self, value):
        if self.to_field_name:
            return str(value)
        try:
            return str(int(value))  # as the database compares numbers: "07" is 7
        except (TypeError, ValueError):
            return None


class KeptModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of environment or tag (the fingerprint covers those two tables only)."""

    field_class = KeptModelChoiceField


class KeptChoicesMixin(django_filters.FilterSet):
    """Gives the filterset's KeptModelChoiceFilters the choices kept for the tables' current fingerprint."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept_filters = [f for f in self.filters.values() if isinstance(f, KeptModelChoiceFilter)]
        current = fingerprint() if kept_filters else None
        for filter_ in kept_filters:
            filter_.__dict__.pop("_field", None)  # a field built before (the API schema's) has no kept choices
            filter_.extra["kept"] = kept(filter_.queryset, current)


def kept_choices(filterset, name):
    """The choices kept for the filterset's filter `name`, for another field offering the same (or None)."""
    filter_ = filterset.filters.get(name)
    return filter_.extra.get("kept") if filter_ is not None else None
