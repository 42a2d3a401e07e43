"""The body of a django-tables2 table rendered in Python, once per column rather than per cell.

django-tables2 renders each cell through a template node, resolving the accessor, looking up
choices and inspecting the render method's signature every time: about 130 ms for a page of
50 rows x 13 columns. `FastRowsMixin` keeps everything the table declares (columns, headers,
ordering, pagination, CSV values) and produces the very same `<tbody>` rows, but works out per
column, once per page, how a cell becomes HTML: a plain value is escaped (a choice through a
dict of its labels, a number with str()), a render method is called with just the arguments it
takes, and a column may offer its own `fast_cell(bound_column)`. Tables whose rows or cells have
attributes that depend on the record fall back to django-tables2's own rendering.
"""

from html import escape

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.encoding import force_str
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django_tables2 import BooleanColumn, CheckBoxColumn, Column, ManyToManyColumn
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import Accessor, AttributeDict, signature

__all__ = ["FastRowsMixin", "checkbox_template"]

TEMPLATE = "django_tables2/fast_table.html"
SENTINEL = "\x00value\x00"
# BoundRow's attributes when the table declares none: alternating classes.
ROWS = (f'<tr {AttributeDict({"class": "even"}).as_html()}>', f'<tr {AttributeDict({"class": "odd"}).as_html()}>')
# What BoundRow offers a render method, by argument name.
OFFERED = ("value", "record", "column", "bound_column", "bound_row", "table")


def _has_callables(attrs):
    return any(callable(value) or (isinstance(value, dict) and _has_callables(value)) for value in attrs.values())


def _field(model, accessor):
    try:
        return accessor.get_field(model)
    except (FieldDoesNotExist, AttributeError, TypeError):
        return None


def _getter(accessor, field):
    """A function record -> value following `accessor`; a choice field gives its label (get_FOO_display)."""
    parts = accessor.bits
    labels = _labels(field)
    if labels is not None:
        parts = parts[:-1]

    def get(record):
        value = record
        for part in parts:
            value = getattr(value, part)
            if value is None:
                return None
        if labels is not None:
            raw = getattr(value, accessor.bits[-1])
            return labels.get(raw, raw) if type(raw) is str else getattr(value, f"get_{accessor.bits[-1]}_display")()
        if callable(value) and not getattr(value, "do_not_call_in_templates", False):
            return value()
        return value

    return get


def _labels(field):
    """{value: label} of a choice field with plain string values, as get_FOO_display gives them; else None."""
    if field is None or not getattr(field, "choices", None):
        return None
    choices = dict(field.flatchoices)
    if not all(type(value) is str for value in choices):
        return None
    return {value: force_str(label, strings_only=True) for value, label in choices.items()}


def _plain(value, context):
    """What `{{ value }}` gives in the cell: a string escaped, an integer as digits, anything else as Django does."""
    kind = type(value)
    if kind is str:
        return escape(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    if isinstance(value, SafeData):
        return str(value)
    return render_value_in_context(value, context)


def checkbox_template(column, bound_column):
    """(before, after) the value in a CheckBoxColumn's box, when neither `checked` nor attrs vary by record."""
    if column.checked is not None:
        return None
    html = CheckBoxColumn.render(column, SENTINEL, bound_column, None)
    before, found, after = str(html).partition(SENTINEL)
    return (before, after) if found and SENTINEL not in after else None


class _Cell:
    """How one column renders a cell: accessor, then one of the ways below, and its <td>."""

    def __init__(self, table, bound_column, context):
        self.bound_column = bound_column
        self.column = column = bound_column.column
        self.context = context
        accessor = Accessor(bound_column.accessor)
        self.get = _getter(accessor, _field(table._meta.model, accessor))
        self.default = render_value_in_context(bound_column.default, context)
        self.empty_values = column.empty_values
        self.m2m = isinstance(column, ManyToManyColumn)
        td = bound_column.attrs["td"]
        self.open = f"<td {td.as_html()}>" if td else "<td >"
        self.render = bound_column.render
        self.link = bound_column.link
        self.plain_link = _is_plain_link(self.link)
        args, catch_all = signature(self.render)
        self.args = OFFERED if catch_all else tuple(args)
        self.unknown_args = any(arg not in OFFERED for arg in self.args)
        self.memo = {}
        self.content = self._choose()

    def _choose(self):
        """The function (value, record, row) -> cell HTML for this column."""
        column, own_render = self.column, self.render == self.column.render
        fast = getattr(column, "fast_cell", None)
        if fast is not None and own_render and not self.link:
            cell = fast(self.bound_column)
            return lambda value, record, row: cell(value, record)
        if type(column).render is Column.render and own_render and not self.link:
            return lambda value, record, row: _plain(value, self.context)
        checkbox = type(column) is CheckBoxColumn and own_render and not self.link
        template = checkbox_template(column, self.bound_column) if checkbox else None
        if template is not None:
            return lambda value, record, row: f"{template[0]}{escape(str(value))}{template[1]}"
        if type(column) is BooleanColumn and own_render:
            return self._remembered
        return self.call

    def _remembered(self, value, record, row):
        # A boolean cell's HTML depends on its value alone.
        if value not in self.memo:
            self.memo[value] = self.call(value, record, row)
        return self.memo[value]

    def html(self, row):
        record = row.record
        try:
            value = self.get(record)
        except Exception:  # as BoundRow does: a column that is not a field of the record
            if isinstance(self.column, BaseLinkColumn) and self.column.text is not None:
                return self.call(None, record, row)
            value = None
        if value in self.empty_values or (self.m2m and not value.exists()):
            return self.default
        return self.content(value, record, row)

    def call(self, value, record, row):
        if self.unknown_args:
            content = None
        else:
            offered = {"value": value, "record": record, "column": self.column, "bound_column": self.bound_column,
                       "bound_row": row, "table": self.bound_column._table}
            content = self.render(**{arg: offered[arg] for arg in self.args})
        if self.plain_link:
            url = self.link_target(record).get_absolute_url()
            if url is None:
                return _plain(content, self.context)
            return f'<a href="{escape(url)}">{conditional_escape(content)}</a>'
        if self.link:
            content = self.link(content, value=value, record=record, column=self.column,
                                bound_column=self.bound_column, bound_row=row, table=self.bound_column._table)
        return _plain(content, self.context)

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


class FastRowsMixin:
    """Mix into a django-tables2 Table: its body rows are rendered by `fast_rows` (same HTML)."""

    def __init__(self, *args, template_name=None, **kwargs):
        super().__init__(*args, template_name=template_name or TEMPLATE, **kwargs)

    def fast_rows(self):
        """The rows of the current page as HTML, or None where django-tables2 must render them."""
        if self.row_attrs or any(column.localize is not None or _has_callables(column.column.attrs)
                                 for column in self.columns):
            return None
        context = Context()
        cells = [_Cell(self, column, context) for column in self.columns]
        parts = []
        for index, row in enumerate(self.paginated_rows):
            parts.append(ROWS[index % 2])
            for cell in cells:
                parts.append(cell.open)
                parts.append(cell.html(row))
                parts.append("</td>")
            parts.append("</tr>")
        return mark_safe("".join(parts)) if parts else None
