"""Sandboxed rendering: the shipped templates render; hostile ones fail with a clear error."""

import pytest

from comms.choices import Audience, Stage
from comms.models import EmailTemplate
from comms.rendering import TemplateRenderError, render, render_message
from comms.services.context import sample_context
from tests.comms.factories import make_app

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("{% load static %}", "unknown tag 'load'"),
    ("{% include 'base.html' %}", "cannot include"),
    ("{% ssi '/etc/passwd' %}", "unknown tag 'ssi'"),
    ("{% debug %}", "unknown tag 'debug'"),
    ("{% import 'x' as x %}", "cannot include"),
    ("{% extends 'base.html' %}", "cannot include"),
    ("{{ maker.apps.all.delete() }}", "has no attribute 'apps'"),
    ("{{ maker.apps.all.delete }}", "has no attribute 'apps'"),
    ("{{ request }}", "'request' is undefined"),
    ("{{ settings.SECRET_KEY }}", "'settings' is undefined"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "attribute '__class__' of 'str' object is unsafe"),
    ("{{ items.__class__ }}", "is unsafe"),
    ("{{ maker.name.format.__globals__ }}", "is unsafe"),
    ("{{ range(10**9)|list }}", "'range' is undefined"),
    ("{{ lipsum() }}", "'lipsum' is undefined"),
    ("{{ maker.name|attr('__class__') }}", "No filter named 'attr'"),
    ("{{ maker|pprint }}", "No filter named 'pprint'"),
    ("{% for x in items %}{{ x.name", "line 1"),
]


@pytest.fixture
def context():
    return sample_context(make_app())


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_template_fails_with_a_clear_error(context, source, message):
    with pytest.raises(TemplateRenderError) as caught:
        render(source, context, "text")
    assert message in str(caught.value)
    assert str(caught.value).startswith("text")


def test_the_error_names_the_part_and_line(context):
    with pytest.raises(TemplateRenderError, match=r"^HTML, line 3: .*unknown tag 'load'"):
        render("<p>\nhello\n{% load static %}</p>", context, "HTML", html=True)


def test_every_stage_ships_an_owner_template_that_renders_against_a_real_item(context):
    owners = EmailTemplate.objects.filter(audience=Audience.APP_OWNERS, is_default=True)
    assert set(owners.values_list("stage", flat=True)) == set(Stage.values)
    for template in EmailTemplate.objects.filter(is_default=True):
        subject, text, html = render_message(template, context)
        assert subject and "{{" not in subject + text + html, template.name
    identified = owners.get(stage=Stage.IDENTIFIED)
    subject, text, html = render_message(identified, context)
    assert context["items"][0]["name"] in text and context["links"]["keep"] in text
    assert "<strong>" + context["items"][0]["name"] in html


def test_html_is_escaped_and_text_is_not(context):
    context["maker"]["name"] = "<script>x</script>"
    assert render("{{ maker.name }}", context, html=True) == "&lt;script&gt;x&lt;/script&gt;"
    assert render("{{ maker.name }}", context) == "<script>x</script>"


def test_more_distinct_templates_than_the_cache_holds_all_render():
    # The 501st distinct source cleared the cache and then read its own entry back (KeyError).
    assert [render(f"{{{{ n }}}} of template {i}", {"n": i}) for i in range(520)] == [
        f"{i} of template {i}" for i in range(520)]
