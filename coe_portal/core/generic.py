"""Generic views that every list page declares itself on (NetBox's ObjectListView idea)."""

from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from .export import csv_response
from .permissions import RoleRequiredMixin

__all__ = ["ObjectListView"]


class ObjectListView(RoleRequiredMixin, TemplateView):
    """A filtered, sortable, paginated table with CSV export of the filtered set.

    Subclasses set `queryset`, `table_class`, `filterset_class`, `required_roles` and
    `title`. `?export=csv` downloads every filtered row; an HTMX request gets the table only.
    """

    queryset = None
    table_class = None
    filterset_class = None
    title = ""
    template_name = "generic/object_list.html"
    paginate_by = 50

    def get_queryset(self):
        return self.queryset.all()

    def get(self, request, *args, **kwargs):
        self.filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        queryset = self.filterset.qs
        table = self.table_class(queryset)
        if request.GET.get("export") == "csv":
            name = f"{self.table_class.Meta.model._meta.model_name}s.csv"
            return csv_response(table.as_values(), name)
        RequestConfig(request, paginate={"per_page": self.paginate_by}).configure(table)
        if request.htmx:
            self.template_name = "htmx/table.html"
        return self.render_to_response(self.get_context_data(table=table, filterset=self.filterset, title=self.title))
