"""Sandboxed rendering of admin-edited e-mail templates.

Templates are Jinja in a SandboxedEnvironment with no loader, no globals and a short filter
allow-list; contexts are plain dicts and lists of strings and numbers built here, never model
instances, so nothing in a template can reach the database, settings or files. An unknown
variable is an error (StrictUndefined), not an empty string. A render is bounded: at most
MAX_OUTPUT characters, MAX_SECONDS of work and Python's recursion depth, each a TemplateRenderError.
"""

import sys
import time
import traceback

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

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
    "migration.url / migration.target / migration.message / migration.wave / migration.start": "In a migration "
    "message: the request's page, the target environment, the CoE team's message, the wave and when it starts",
    "migration.needs": "In a migration message: what the maker must do now (a list of sentences)",
}
SAFE_FILTERS = ("default", "e", "escape", "first", "join", "last", "length", "lower", "upper", "title",
                "capitalize", "trim", "truncate", "wordwrap", "replace", "sort", "count", "int", "striptags",
                "list", "batch", "indent", "round", "center", "safe")


MAX_OUTPUT = 1_000_000  # characters per part; a message body is a few kilobytes
MAX_SECONDS = 2.0


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


class Overrun(SecurityError):
    """A render that went past its output or time budget."""


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, plus `"x" * n` and `n ** m` kept small: one expression could build 100 MB."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise Overrun("an exponent above 64")
        if operator == "*":
            sized, count = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            if isinstance(sized, str | list | tuple) and isinstance(count, int) and len(sized) * count > MAX_OUTPUT:
                raise Overrun(f"a repetition longer than {MAX_OUTPUT:,} characters")
        return super().call_binop(context, operator, left, right)


def _bounded_width(name, filter_function):
    def bounded(value, width=80, *args, **kwargs):
        if isinstance(width, int) and width > 1000:
            raise Overrun(f"{name} wider than 1000")
        return filter_function(value, width, *args, **kwargs)
    return bounded


def _environment(autoescape):
    env = BoundedEnvironment(autoescape=autoescape, undefined=StrictUndefined, loader=None,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    for name in ("center", "indent", "wordwrap"):
        env.filters[name] = _bounded_width(name, env.filters[name])
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
        return _bounded_render(template, context)
    except RecursionError:
        raise TemplateRenderError(part, Overrun("it calls itself too deeply (a recursive macro?)")) from None
    except (TemplateError, AttributeError, TypeError, ValueError) as exc:
        raise TemplateRenderError(part, exc) from exc


def _bounded_render(template, context):
    """Render chunk by chunk, stopping at MAX_OUTPUT characters or MAX_SECONDS.

    The clock is also read on the template's own lines (a loop that writes nothing never yields a
    chunk), through a trace function on template frames only.
    """
    deadline, size, chunks = time.monotonic() + MAX_SECONDS, 0, []
    previous = sys.gettrace()

    def on_line(frame, event, arg):
        if event == "line" and time.monotonic() > deadline:
            raise Overrun(f"it ran longer than {MAX_SECONDS:g} s")
        return on_line

    def on_call(frame, event, arg):
        return on_line if frame.f_code.co_filename == "<template>" else None

    sys.settrace(on_call)
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise Overrun(f"its output is longer than {MAX_OUTPUT:,} characters")
            chunks.append(chunk)
    finally:
        sys.settrace(previous)
    return "".join(chunks)


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
