"""Plain-dict template contexts: the only data a template ever sees."""

import uuid
from types import SimpleNamespace

from django.conf import settings

from ..choices import Answer
from ..links import answer_url

__all__ = ["campaign_context", "digest_context", "item_context", "maker_context", "message_context",
           "sample_context"]


def _date(value):
    return value.strftime("%Y-%m-%d") if value else ""


def item_context(item, answer=""):
    """An app or flow as the documented `items` entry."""
    is_app = item._meta.model_name == "app"
    environment = getattr(item, "environment", None)
    return {
        "name": item.display_name,
        "kind": "app" if is_app else "flow",
        "environment": environment.display_name if environment else "",
        "url": (item.open_url if is_app else "") or "",
        "modified": _date(item.modified_time),
        "new_url": "",
        "trigger_url": "" if is_app else (item.trigger_url or ""),
        "connections": [],
        "backup_location": "",
        "answer": Answer(answer).label if answer else "",
    }


def maker_context(maker):
    return {"name": maker.display_name or maker.email, "email": maker.email, "department": maker.department}


def campaign_context(campaign):
    return {"name": campaign.name, "answer_by": _date(campaign.answer_by)}


def links_context(code):
    return {answer.value: answer_url(code, answer.value) for answer in Answer}


NO_MIGRATION = {"url": "", "target": "", "message": "", "wave": "", "start": "", "needs": []}


def message_context(campaign, maker, items, code, reminder_number=0, migration=None):
    """The context of one maker's message: the maker, all their items, their answer links.

    `migration`: in a message about a migration request, its address, target, the CoE's message,
    wave and start, and what the maker must do (`needs`); empty values elsewhere.
    """
    return {
        "migration": {**NO_MIGRATION, **(migration or {})},
        "maker": maker_context(maker),
        "items": items,
        "campaign": campaign,
        "links": links_context(code),
        "reminder_number": reminder_number,
        "portal_url": settings.SITE_URL,
    }


def digest_context(campaign, department, makers):
    return {"campaign": campaign, "department": department, "makers": makers, "portal_url": settings.SITE_URL,
            "maker": {"name": "", "email": "", "department": department}, "items": [], "links": {},
            "reminder_number": 0}


def sample_context(item):
    """A preview context against a real item: its owner (or a placeholder) and the item."""
    owner = getattr(item, "owner", None) or getattr(item, "creator", None)
    maker = owner or SimpleNamespace(display_name="A. Maker", email="maker@example.com", department="")
    campaign = {"name": "Preview campaign", "answer_by": ""}
    sample_migration = {"url": f"{settings.SITE_URL}/migrations/requests/1/", "target": "Finance (a sample target)",
                      "message": "We move it on Monday.", "wave": "December wave", "start": "",
                      "needs": ["Pick a connection for SharePoint (shared_sharepointonline) in Finance."]}
    context = message_context(campaign, maker, [item_context(item)], uuid.uuid4(), migration=sample_migration)
    context.update(department=maker.department, makers=[{**maker_context(maker), "answer": "",
                                                         "items": context["items"]}])
    return context
