"""Generic views that every list page declares itself on (NetBox's ObjectListView idea)."""

import functools
from functools import cached_property

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from .export import csv_response
from .filtering import LIST_CONTROLS, PAGE_SIZES, InvalidFilter, describe_active, refuse, say_any, strictly
from .permissions import RoleRequiredMixin

__all__ = ["BoundedPaginator", "ListedChoiceIterator", "ObjectListView", "bind_list_filters", "paginate",
           "read_choices_in_one_query"]


class BoundedPaginator(Paginator):
    """Counts at most `bound` rows (COUNT over a LIMIT), so a page of 300,000 rows stays cheap.

    Past the bound the page says "more than N results"; filters narrow it down.
    """

    bound = 10_000

    @cached_property
    def count(self):
        # django-tables2 pages its BoundRows; their table data wraps the queryset.
        queryset = getattr(getattr(self.object_list, "data", None), "data", self.object_list)
        if isinstance(queryset, QuerySet):
            # Without its ORDER BY and its annotations: neither changes a count, but PostgreSQL would
            # sort every matching row before stopping at the bound, and compute each row's annotations
            # (a row's tags, its DLP status) for up to `bound` rows.
            return queryset.order_by().values("pk")[: self.bound + 1].count()
        return len(self.object_list)

    @property
    def is_bounded(self):
        return self.count > self.bound


class ListedChoiceIterator(ModelChoiceIterator):
    """A model choice list read with one plain query.

    ModelChoiceIterator reads its queryset with `.iterator()`, which on PostgreSQL is a
    server-side cursor: DECLARE, FETCH and CLOSE, three round trips for twenty environments.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


@functools.cache
def _listed(iterator_class):
    """`iterator_class` (django-filter's adds a null choice) reading through ListedChoiceIterator."""
    if iterator_class is ModelChoiceIterator or issubclass(iterator_class, ListedChoiceIterator):
        return ListedChoiceIterator if iterator_class is ModelChoiceIterator else iterator_class
    return type(f"Listed{iterator_class.__name__}", (iterator_class, ListedChoiceIterator), {})


def read_choices_in_one_query(form):
    """Make the form's model choice fields list their choices with one query each."""
    for field in form.fields.values():
        if isinstance(field, ModelChoiceField) and issubclass(field.iterator, ModelChoiceIterator):
            field.iterator = _listed(field.iterator)
            field.widget.choices = field.choices


def bind_list_filters(filterset_class, request, queryset, **kwargs):
    """The list's filterset over `queryset`, bound strictly to the query string.

    Returns (filterset, rows, status): with an unknown parameter or an invalid value the list
    shows no row and answers 400, and its template names the bad parameters.
    """
    filterset = strictly(filterset_class(request.GET or None, queryset=queryset, request=request, **kwargs),
                         allowed=LIST_CONTROLS)
    read_choices_in_one_query(filterset.form)
    say_any(filterset.form)
    if filterset.is_bound and filterset.errors:
        return filterset, queryset.none(), 400
    return filterset, filterset.qs, 200


def paginate(table, request, per_page, paginator_class=BoundedPaginator):
    """Sort the table by `?sort=` and show page `?page=` (the first or last page when out of range).

    The page size is the caller's: RequestConfig would take any `?per_page=`, -1 and 100000 too.
    """
    RequestConfig(request, paginate=False).configure(table)
    try:
        table.paginate(paginator_class, per_page=per_page, page=request.GET.get("page") or 1)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
    return table


class ObjectListView(RoleRequiredMixin, TemplateView):
    """A filtered, sortable, paginated table with CSV export of the filtered set.

    Subclasses set `queryset`, `table_class`, `filterset_class`, `required_roles` and
    `title`. `?export=csv` downloads every filtered row; an HTMX request gets the table only;
    `?per_page=` picks a page size of PAGE_SIZES. `get_hidden_columns()` lets a subclass hide
    the columns a user chose not to see. An unknown filter or an invalid value is a 400 that
    names it (bind_list_filters).
    """

    queryset = None
    table_class = None
    filterset_class = None
    title = ""
    template_name = "generic/object_list.html"
    htmx_template_name = "htmx/table.html"  # what a filter or page change swaps into #results
    paginate_by = 50

    def get_queryset(self):
        return self.queryset.all()

    def get_hidden_columns(self):
        return ()

    def get_per_page(self):
        value = self.request.GET.get("per_page", "")
        return int(value) if value.isdigit() and int(value) in PAGE_SIZES else self.paginate_by

    def get(self, request, *args, **kwargs):
        self.filterset, queryset, status = bind_list_filters(self.filterset_class, request, self.get_queryset())
        if request.GET.get("export") == "csv":
            if status != 200:
                return refuse(request, f"Nothing was exported: {InvalidFilter(self.filterset)}", back=request.path)
            table = self.table_class(queryset, exclude=getattr(self.table_class, "export_exclude", ()))
            name = f"{self.table_class.Meta.model._meta.model_name}s.csv"
            return csv_response(table.as_values(), name)
        table = self.table_class(queryset, exclude=self.get_hidden_columns())
        paginate(table, request, self.get_per_page())
        if request.htmx:
            self.template_name = self.htmx_template_name
        return self.render_to_response(self.get_context_data(
            table=table, filterset=self.filterset, title=self.title, page_sizes=PAGE_SIZES,
            active_filters=describe_active(self.filterset)), status=status)
