"""Audit entries as sentences a person reads ("Quarantined; the owner has until 2027-01-31 to answer.").

Each app registers the sentences of its own actions (core never imports them): a sentence is a
str.format template over the entry's details, or a function of the details. An action nobody
registered still reads as words ("Package request: options 2, package 7f…"), never as a dict.
"""

import re
from datetime import datetime

from django.utils import timezone

__all__ = ["Details", "register", "sentence"]

SENTENCES = {}
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def register(sentences):
    """Add {action: template or function(details) -> str} to the sentences the pages use."""
    SENTENCES.update(sentences)


def readable(value):
    """A detail value in words: lists joined, yes/no, times to the minute, mappings as "key value"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(part) for part in value)
    if isinstance(value, dict):
        return "; ".join(f"{words(key)} {readable(part)}" for key, part in value.items())
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
            return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def words(name):
    return str(name).replace("_", " ").replace(".", " ")


class Details(dict):
    """An entry's details for str.format_map: values in words, a missing one empty."""

    def __getitem__(self, key):
        return readable(self.get(key))

    def __missing__(self, key):
        return ""


def sentence(entry):
    """What the entry says happened, as one sentence."""
    rule, details = SENTENCES.get(entry.action), Details(entry.details or {})
    if callable(rule):
        return rule(details)
    if rule:
        return rule.format_map(details)
    return _fallback(entry.action, details)


def _fallback(action, details):
    said = ", ".join(f"{words(key)} {details[key]}" for key in details if details[key])
    return f"{words(action).capitalize()}{': ' + said if said else ''}."
