"""A form renderer that writes the plain input and select widgets in Python.

Django renders every widget, and every <option> of a select, through a template include: a
list page's filter form (about twenty fields, a hundred options) took ~15 ms of each request.
`FastRenderer` produces the same markup as Django's own widget templates
(django/forms/widgets/input.html, select.html, select_option.html, attrs.html) for those
templates only; every other template, and any widget with its own template, goes through
Django's template engine as before. tests/core/test_form_renderer.py compares the two.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

__all__ = ["FastRenderer"]

WIDGETS = "django/forms/widgets/"
INPUTS = {f"{WIDGETS}{name}.html" for name in ("input", "text", "number", "email", "url", "password", "hidden",
                                                 "date", "datetime", "time", "search", "tel", "checkbox")}
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"


def _text(value):
    """`{{ value|stringformat:'s' }}` in an autoescaping template."""
    return conditional_escape(value if hasattr(value, "__html__") else str(value))


def _attrs(attrs):
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        name = conditional_escape(name)
        parts.append(f" {name}" if value is True else f' {name}="{_text(value)}"')
    return "".join(parts)


def _input(widget):
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f"{value}{_attrs(widget['attrs'])}>")


def _select(widget):
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')  # the template file's newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastRenderer(DjangoTemplates):
    """Django's default form renderer, with input and select widgets written in Python."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and template_name in INPUTS:
            return _input(widget)
        if widget is not None and template_name == SELECT and all(
                option["template_name"] == OPTION for _, options, _ in widget["optgroups"] for option in options):
            return _select(widget)
        return super().render(template_name, context, request)
