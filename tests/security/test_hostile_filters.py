"""Acceptance 2 of issue 21: every list page and API list, every filter, hostile values: no 500.

Finding 1 (unknown filters and junk yes/no values silently dropped) and finding 5 (per_page,
page_size, cursors, NUL) are walked here for every list at once; bulk actions with the same
values change nothing (test_strict_filters.py).
"""

import base64

import pytest
from django.urls import URLResolver, get_resolver, reverse

from coe_portal.core.generic import ObjectListView
from tests.inventory.factories import make_app, make_environment, make_flow, make_tag

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
HOSTILE_VALUES = ["\x00", "a\x00b", "x" * 10_000, "-1", HUGE, "ture", "[]", "%00", "é\u202e",
                  "2462-05-18T10:28:08.025075-22:12", "0001-01-01T00:00:00+23:59"]
HOSTILE_CONTROLS = [
    {"bogus_field": "1"}, {"enviroment": "7"}, {"%s%(x)s%": "1"}, {"": "1"},
    {"per_page": "-1"}, {"per_page": "100000"}, {"per_page": "abc"}, {"per_page": "\x00"},
    {"page": "-1"}, {"page": HUGE}, {"page": "x"}, {"sort": "x" * 10_000}, {"sort": "-\x00"},
    {"page_size": "-1"}, {"page_size": "100000"}, {"page_size": "abc"},
    {"cursor": "cD1hYmM="}, {"cursor": base64.b64encode(f"p={HUGE}".encode()).decode()},
    {"cursor": base64.b64encode(b"o=-5&p=1").decode()}, {"cursor": "\x00"}, {"cursor": "x" * 10_000},
]


def _lists():
    """(namespaced url name, 'page' or 'api', view class) of every list page and API list in the URLconf."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
                continue
            callback, name = pattern.callback, f"{namespace}:{pattern.name}" if namespace else pattern.name
            view_class = getattr(callback, "view_class", None)
            if view_class and issubclass(view_class, ObjectListView):
                found.append((name, "page", view_class))
            elif (getattr(callback, "actions", None) or {}).get("get") == "list":
                if "format" not in str(pattern.pattern):  # the same list with a .json suffix
                    found.append((name, "api", callback.cls))

    walk(get_resolver().url_patterns, "")
    return found


LISTS = _lists()


def _filters(kind, view_class):
    filterset_class = getattr(view_class, "filterset_class", None)
    if filterset_class is None:
        return list(getattr(view_class, "filterset_fields", None) or ())
    return list(filterset_class.base_filters)


@pytest.fixture
def inventory(db):
    environment = make_environment()
    tag = make_tag("wide")
    app, flow = make_app(environment=environment), make_flow(environment=environment)
    app.tags.add(tag)
    return app, flow


def _url(name):
    if name == "dlp:impact-items":
        from dlp.models import Policy

        return reverse(name, args=[Policy.objects.create(display_name="Draft", is_draft=True).pk])
    return reverse(name)


def test_the_walk_covers_every_list():
    kinds = [kind for _, kind, _ in LISTS]
    assert kinds.count("page") >= 18 and kinds.count("api") >= 12


@pytest.mark.parametrize("name, kind, view_class", LISTS, ids=[f"{kind}:{name}" for name, kind, _ in LISTS])
def test_finding5_no_list_answers_500_to_hostile_filters(admin_client, inventory, name, kind, view_class):
    url = _url(name)
    assert admin_client.get(url).status_code == 200
    queries = [dict(control) for control in HOSTILE_CONTROLS]
    queries += [{field: value} for field in _filters(kind, view_class) for value in HOSTILE_VALUES]
    for query in queries:
        response = admin_client.get(url, query)
        assert response.status_code < 500, (url, query)
        (key, value), = query.items()
        # A table ignores a sort by an unknown column; a NUL cursor decodes to the first page.
        if key in ("bogus_field", "enviroment", "%s%(x)s%") or ("\x00" in value and key not in ("sort", "cursor")):
            assert response.status_code == 400, (url, query)
    size = "page_size" if kind == "api" else "per_page"
    assert admin_client.get(url, {size: "-1"}).status_code == 400, (url, size)
    assert admin_client.get(url, {size: "100000"}).status_code == 400, (url, size)


@pytest.mark.parametrize("query", ["q=%00", f"environment={HUGE}", "shared_min=" + "x" * 10_000, "bogus_field=1",
                                   "default_environment=ture", "per_page=-1", "per_page=100000",
                                   "tag=" + "t" * 10_000, "modified_after=%00"])
def test_acceptance2_bulk_actions_with_hostile_values_change_nothing(admin_client, inventory, query):
    from coe_portal.core.models import JobRun
    from inventory.models import CleanupCase, Tag

    tagged = admin_client.post(reverse("inventory:bulk-tag", args=["app"]), {
        "new_tag": "Everything", "action": "add", "scope": "all", "query": query}, HTTP_HX_REQUEST="true")
    cleanup = admin_client.post(reverse("inventory:bulk-cleanup", args=["app"]), {"scope": "all", "query": query})
    assert (tagged.status_code, cleanup.status_code) == (400, 400), query
    assert not Tag.objects.filter(name="Everything").exists()
    assert not JobRun.objects.exists() and not CleanupCase.objects.exists()
