"""Sandboxed rendering of admin-edited e-mail templates.

Templates are Jinja in a SandboxedEnvironment with no loader, no globals and a short filter
allow-list; contexts are plain dicts and lists of strings and numbers built here, never model
instances, so nothing in a template can reach the database, settings or files. An unknown
variable is an error (StrictUndefined), not an empty string.
"""

import traceback

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["VARIABLES", "TemplateRenderError", "render", "render_message", "validate"]

# The documented variables, shown beside the editor.
VARIABLES = {
    "maker.name": "The maker's display name",
    "maker.email": "The maker's e-mail address",
    "maker.department": "The maker's department",
    "items": "The maker's items; each has name, kind (app or flow), environment, url, modified, "
             "new_url, trigger_url, connections (a list), backup_location, answer",
    "campaign.name": "The campaign's name",
    "campaign.answer_by": "The date answers are due, or empty",
    "links.keep / links.migrate / links.delete / links.help": "The maker's signed answer links",
    "reminder_number": "0 for the first message, 1, 2, ... for reminders",
    "department": "In a digest: the department",
    "makers": "In a digest: each has name, email, answer and items",
    "portal_url": "The portal's address",
}
SAFE_FILTERS = ("default", "e", "escape", "first", "join", "last", "length", "lower", "upper", "title",
                "capitalize", "trim", "truncate", "wordwrap", "replace", "sort", "count", "int", "striptags",
                "list", "batch", "indent", "round", "center", "safe")


class TemplateRenderError(ValueError):
    """A template that does not render, with the part (subject, text, HTML) and the line."""

    def __init__(self, part, exc):
        line = getattr(exc, "lineno", None) or _template_line(exc)
        where = f"{part}, line {line}" if line else part
        self.part, self.line = part, line
        reason = exc.message if getattr(exc, "message", None) else str(exc)
        if "no loader" in reason:
            reason = "a template cannot include, import or extend another template"
        super().__init__(f"{where}: {reason}")


def _template_line(exc):
    """The template line a runtime error happened on (Jinja rewrites tracebacks to it)."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _environment(autoescape):
    env = SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined, loader=None,
                               trim_blocks=True, lstrip_blocks=True)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    env.tests = {name: env.tests[name] for name in ("defined", "undefined", "none", "number", "string",
                                                     "even", "odd", "eq", "ne", "in")}
    return env


TEXT = _environment(autoescape=False)
HTML = _environment(autoescape=True)
_compiled = {}


def _compile(env, source, part):
    key = (id(env), source)
    template = _compiled.get(key)
    if template is None:
        try:
            template = env.from_string(source)
        except TemplateError as exc:
            raise TemplateRenderError(part, exc) from exc
        if len(_compiled) >= 500:  # templates admins edited away: start again rather than grow
            _compiled.clear()
        _compiled[key] = template  # returned from the local: another thread may clear the cache meanwhile
    return template


def render(source, context, part="text", html=False):
    """Render one template source with a plain-dict context; raise TemplateRenderError."""
    template = _compile(HTML if html else TEXT, source, part)
    try:
        return template.render(context)
    except (TemplateError, AttributeError, TypeError, ValueError) as exc:
        raise TemplateRenderError(part, exc) from exc


def render_message(template, context):
    """(subject, text, html) of an EmailTemplate for a context."""
    subject = render(template.subject, context, "subject").strip().replace("\n", " ")
    return subject, render(template.body_text, context, "text"), render(template.body_html, context, "HTML", True)


def validate(subject, body_text, body_html, context):
    """Render all three parts against a context; return the errors as a list of strings."""
    errors = []
    for source, part, html in ((subject, "subject", False), (body_text, "text", False), (body_html, "HTML", True)):
        try:
            render(source, context, part, html)
        except TemplateRenderError as exc:
            errors.append(str(exc))
    return errors
