"""URLs of objects by primary key without a full `reverse()` per object.

A list page links each of its rows to the row's detail page; `reverse()` costs tens of
microseconds per call (resolver, script prefix and URLconf lookups), about as much as the rest
of the row. `pk_url` reverses the view once per URLconf and script prefix with a marker in
place of the key, then fills in each key: the same URL `reverse(viewname, args=[pk])` gives.
"""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

__all__ = ["pk_url"]

MARKER = 918273645546372819
_templates = {}


def pk_url(viewname, pk):
    """Return reverse(viewname, args=[pk]) for an integer primary key."""
    key = (viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    template = _templates.get(key)
    if template is None:
        before, _, after = reverse(viewname, args=[MARKER]).rpartition(str(MARKER))
        template = _templates[key] = (before, after)
    return f"{template[0]}{int(pk)}{template[1]}"
