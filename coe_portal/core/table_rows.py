"""The body of a django-tables2 table rendered in Python, once per column rather than per cell.

django-tables2 renders each cell through a template node, resolving the accessor, looking up
choices and inspecting the render method's signature every time: about 130 ms for a page of
50 rows x 13 columns. `FastRowsMixin` keeps everything the table declares (columns, headers,
ordering, pagination, CSV values) and produces the very same `<tbody>` rows, but works out per
column, once per page, what each cell needs: the getter, the render function and the
arguments it takes, and the `<td>` attributes. Tables whose rows or cells have attributes that
depend on the record fall back to django-tables2's own rendering.
"""

from django.core.exceptions import FieldDoesNotExist
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django_tables2 import BooleanColumn, CheckBoxColumn, Column, ManyToManyColumn
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import Accessor, AttributeDict, signature

__all__ = ["FastRowsMixin"]

TEMPLATE = "django_tables2/fast_table.html"
# What BoundRow offers a render method, by argument name.
SENTINEL = "\x00value\x00"
# BoundRow's attributes when the table declares none: alternating classes.
ROWS = (f'<tr {AttributeDict({"class": "even"}).as_html()}>', f'<tr {AttributeDict({"class": "odd"}).as_html()}>')


def _has_callables(attrs):
    return any(callable(value) or (isinstance(value, dict) and _has_callables(value)) for value in attrs.values())


def _getter(model, accessor):
    """A function record -> value following `accessor`, using get_FOO_display for choice fields."""
    parts = accessor.bits
    field = None
    try:
        field = accessor.get_field(model)
    except (FieldDoesNotExist, AttributeError, TypeError):
        field = None
    if field is not None and getattr(field, "choices", None):
        parts = [*parts[:-1], f"get_{parts[-1]}_display"]

    def get(record):
        value = record
        for part in parts:
            value = getattr(value, part)
            if value is None:
                return None
        if callable(value) and not getattr(value, "do_not_call_in_templates", False):
            return value()
        return value

    return get


class _Cell:
    """How one column renders a cell: accessor, render function with its arguments, <td> attributes."""

    def __init__(self, table, bound_column):
        self.bound_column = bound_column
        self.column = column = bound_column.column
        self.get = _getter(table._meta.model, bound_column.accessor)
        self.render = bound_column.render
        args, catch_all = signature(self.render)
        self.args = None if catch_all else args
        self.link = bound_column.link
        self.plain_link = _is_plain_link(self.link)
        self.default = bound_column.default
        self.empty_values = column.empty_values
        td = bound_column.attrs["td"]
        self.open = mark_safe(f"<td {td.as_html()}>" if td else "<td >")
        self.base_render = type(column).render is Column.render and self.render == column.render
        self.m2m = isinstance(column, ManyToManyColumn)
        # Cells whose HTML depends on the value alone: rendered once per distinct value.
        self.memo = {} if type(column) is BooleanColumn and self.render == column.render else None
        self.checkbox = _checkbox_template(self, table) if type(column) is CheckBoxColumn else None

    def html(self, row, table, context):
        record = row.record
        try:
            value = self.get(record)
        except Exception:  # as BoundRow does: a column that is not a field of the record
            if isinstance(self.column, BaseLinkColumn) and self.column.text is not None:
                return self.call(row, table, None, context)
            value = None
        if value in self.empty_values or (self.m2m and not value.exists()):
            return render_value_in_context(self.default, context)
        if self.base_render and not self.link:
            return escape(value) if type(value) is str else render_value_in_context(value, context)
        if self.checkbox:
            return f"{self.checkbox[0]}{escape(value)}{self.checkbox[1]}"
        if self.memo is not None:
            if value not in self.memo:
                self.memo[value] = self.call(row, table, value, context)
            return self.memo[value]
        return self.call(row, table, value, context)

    def call(self, row, table, value, context):
        offered = {"value": value, "record": row.record, "column": self.column, "bound_column": self.bound_column,
                   "bound_row": row, "table": table}
        if self.args is None:
            content = self.render(**offered)
        elif any(arg not in offered for arg in self.args):
            content = None
        else:
            content = self.render(**{arg: offered[arg] for arg in self.args})
        if self.plain_link:
            url = self.link_target(row.record).get_absolute_url()
            if url is None:
                return render_value_in_context(content, context)
            return f'<a href="{escape(url)}">{conditional_escape(content)}</a>'
        if self.link:
            content = self.link(content, **offered)
        return render_value_in_context(content, context)

    def link_target(self, record):
        """What LinkTransform links to without a URL or view: the value if it has a URL, else the record."""
        try:
            value = record if self.link.accessor == "" else _accessor(self.link, self.bound_column).resolve(record)
        except Exception:
            return record
        return value if hasattr(value, "get_absolute_url") else record


def _accessor(link, bound_column):
    return Accessor(link.accessor if link.accessor is not None else bound_column.name)


def _is_plain_link(link):
    """A LinkTransform with no URL, view or attributes: href is get_absolute_url() of value or record."""
    return (type(link) is LinkTransform and link.url is None and not link.attrs
            and link.reverse_args.get("viewname") is None)


def _checkbox_template(cell, table):
    """(before, after) the value in a CheckBoxColumn's box, when neither `checked` nor attrs vary by record."""
    column = cell.column
    if column.checked is not None:
        return None
    html = column.render(SENTINEL, cell.bound_column, None)
    before, found, after = str(html).partition(SENTINEL)
    return (before, after) if found and SENTINEL not in after else None


class FastRowsMixin:
    """Mix into a django-tables2 Table: its body rows are rendered by `fast_rows` (same HTML)."""

    def __init__(self, *args, template_name=None, **kwargs):
        super().__init__(*args, template_name=template_name or TEMPLATE, **kwargs)

    def fast_rows(self):
        """The rows of the current page as HTML, or None where django-tables2 must render them."""
        if self.row_attrs or any(column.localize is not None or _has_callables(column.column.attrs)
                                 for column in self.columns):
            return None
        cells = [_Cell(self, column) for column in self.columns]
        context = Context()
        parts = []
        for index, row in enumerate(self.paginated_rows):
            parts.append(ROWS[index % 2])
            for cell in cells:
                parts.append(cell.open)
                parts.append(cell.html(row, self, context))
                parts.append("</td>")
            parts.append("</tr>")
        return mark_safe("".join(parts)) if parts else None
