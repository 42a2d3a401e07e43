"""Table bodies rendered in Python (FastRowsMixin) are the HTML django-tables2 renders itself."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_tables2 import RequestConfig

from coe_portal.core import table_rows
from coe_portal.core.links import pk_url
from inventory.models import App, Flow
from inventory.tables import AppTable, FlowTable, WhenColumn
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, make_tag

pytestmark = pytest.mark.django_db


def _normalised(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _render(table_class, queryset, monkeypatch=None, **query):
    request = RequestFactory().get("/", query)
    table = table_class(queryset)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    if monkeypatch is not None:
        monkeypatch.setattr(table_rows.FastRowsMixin, "fast_rows", lambda self: None)
    html = Template("{% load django_tables2 %}{% render_table table %}").render(Context({"table": table,
                                                                                          "request": request}))
    if monkeypatch is not None:
        monkeypatch.undo()
    return _normalised(html)


@pytest.fixture
def awkward_items():
    """Items with what escaping, empty values, choices, booleans and tags can trip over."""
    other = make_environment(default=False)
    hostile = make_maker(name='<script>alert("x")</script> & Co', department="R&D")
    tag = make_tag("Needs <review>")
    tag.colour = '"><i>'
    tag.save()
    make_app('App "quoted" <b>bold</b> & \'apostrophe\'', owner=hostile, shared_users_count=1200,
             is_solution_aware=True, quarantine_status="quarantined", recommendation="quarantine",
             last_launched_time=timezone.now() - timedelta(days=400)).tags.add(tag)
    app = make_app("Plain", environment=other, kind="model_driven", recommendation="")
    app.owner = None
    app.deleted_at = timezone.now()
    app.save()
    make_flow("Flow =1+1", state="Stopped", has_http_trigger=True, trigger_kind="Request").tags.add(tag)
    make_flow("Ünïcødé flow", creator=hostile, recommendation="migrate")


@pytest.mark.parametrize("table_class, model", [(AppTable, App), (FlowTable, Flow)])
@pytest.mark.parametrize("sort", ["display_name", "-modified_time"])
def test_it_renders_the_same_html_as_django_tables2(awkward_items, monkeypatch, table_class, model, sort):
    queryset = model.objects.prefetch_related("tags")
    fast = _render(table_class, queryset, sort=sort)
    slow = _render(table_class, queryset, monkeypatch, sort=sort)
    assert "<tbody" in fast and fast.count("<tr") == model.objects.count() + 1
    assert fast == slow


def test_it_renders_times_in_the_current_time_zone_as_django_tables2_does(awkward_items, monkeypatch, settings):
    settings.TIME_ZONE = "America/St_Johns"  # a half-hour offset
    fast = _render(FlowTable, Flow.objects.all(), sort="-modified_time")
    assert fast == _render(FlowTable, Flow.objects.all(), monkeypatch, sort="-modified_time")


def test_it_escapes_names_and_tags(awkward_items):
    html = _render(AppTable, App.objects.prefetch_related("tags"))
    assert "<script>" not in html and "<b>bold</b>" not in html and '"><i>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert 'data-colour="&quot;&gt;&lt;i&gt;"' in html


def test_it_falls_back_to_django_tables2_when_rows_have_attributes(awkward_items):
    table = AppTable(App.objects.all(), row_attrs={"data-id": lambda record: record.pk})
    RequestConfig(RequestFactory().get("/"), paginate={"per_page": 50}).configure(table)
    assert table.fast_rows() is None


def test_pk_url_is_what_reverse_gives():
    for pk in (1, 42, 918273645, 10**12):
        assert pk_url("inventory:app-detail", pk) == reverse("inventory:app-detail", args=[pk])
        assert pk_url("inventory:flow-detail", pk) == reverse("inventory:flow-detail", args=[pk])


def test_when_column_formats_as_date_format_did(settings):
    settings.TIME_ZONE = "Europe/Oslo"
    for value in (timezone.now(), timezone.now() - timedelta(days=200, minutes=7)):
        assert WhenColumn().render(value) == date_format(timezone.localtime(value), "Y-m-d H:i")
