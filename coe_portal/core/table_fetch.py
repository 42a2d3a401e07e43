"""Read for a table's rows only what its shown columns display (NetBox's `_apply_prefetching` idea).

An app read whole is ninety-odd columns over four joined tables (the app, its environment, its
owner and its migration target), JSON included, and building those model instances was a fifth
of a list page's CPU; the page shows fifteen of them. `FetchShownMixin` narrows the queryset a
table is given with `select_related()` and `only()`: a shown column needs the model field its
accessor names, or what the table's `column_needs` declares for it (field paths, or a function
that annotates the queryset). Views therefore hand the table a queryset without select_related
or prefetch_related of their own.

A page is read key first (`KeysFirstData`): `WHERE pk IN (SELECT pk ... ORDER BY ... LIMIT 50)`.
PostgreSQL plans the inner query over the filters and the sort alone; asked for the whole row,
it costed the joins and each row's tags for every match and walked the name index past
thousands of rows instead (a tag matching one item in 140: 40 ms, key first 1-2 ms).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django_tables2.data import TableQuerysetData
from django_tables2.utils import Accessor

__all__ = ["FetchShownMixin", "KeysFirstData"]


class KeysFirstData(TableQuerysetData):
    """A table's queryset whose slices (its pages) select their keys first, then those rows."""

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        return self.data.filter(pk__in=self.data.values("pk")[key])


def _field(model, accessor):
    """The concrete, single-valued model field `accessor` names (through foreign keys), or None."""
    try:
        field = Accessor(accessor).get_field(model)
    except (FieldDoesNotExist, AttributeError, TypeError):
        return None
    return field if field is not None and field.concrete and not field.many_to_many else None


class FetchShownMixin:
    """Mix into a django-tables2 Table over a model: a queryset it is given reads only the shown columns."""

    # column name -> field paths its rendering reads, or a function queryset -> queryset (an annotation)
    column_needs = {}

    def __init__(self, data, *args, exclude=None, **kwargs):
        if isinstance(data, QuerySet):
            data = KeysFirstData(self.narrowed(data, exclude or ()))
        super().__init__(data, *args, exclude=exclude, **kwargs)

    @classmethod
    def narrowed(cls, queryset, exclude=()):
        """`queryset` reading the fields (and joining the relations) of the columns not in `exclude`."""
        paths, related, annotations = {"pk"}, set(), []
        for name, column in cls.base_columns.items():
            if name in exclude:
                continue
            need = cls.column_needs.get(name)
            if callable(need):
                annotations.append(need)
                continue
            if need is None:
                accessor = column.accessor or name
                field = _field(queryset.model, accessor)
                need = ("__".join(Accessor(accessor).bits),) if field is not None else ()
                if field is not None and field.is_relation:
                    related.update(need)  # a column showing a related object itself reads the whole of it
            paths.update(need)
        related |= {path.rpartition("__")[0] for path in paths if "__" in path}
        queryset = queryset.select_related(*sorted(related)).only(*sorted(paths))
        for annotate in annotations:
            queryset = annotate(queryset)
        return queryset
