"""Cell parsers: each takes a non-blank, stripped cell and returns its value or raises ValueError."""

import re
from datetime import UTC, datetime

from ...choices import AppKind, EnvironmentType, FlowState
from ...models import normalise_connector_id

__all__ = [
    "app_kind", "boolean", "connections", "connector_id", "count", "email", "environment_id", "environment_type",
    "flow_state", "guid", "managed_level", "text", "tier", "timestamp", "url",
]

GUID = re.compile(r"\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
US_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)", re.IGNORECASE)
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}
# admin_powerappstype, by label and by option value (the kit's OptionSets/admin_powerappstype.xml).
APP_KINDS = {
    "canvas": AppKind.CANVAS, "597910000": AppKind.CANVAS,
    "modeldriven": AppKind.MODEL_DRIVEN, "597910001": AppKind.MODEL_DRIVEN,
    "sharepointformapp": AppKind.SHAREPOINT_FORM, "597910002": AppKind.SHAREPOINT_FORM,
    "custompage": AppKind.CANVAS, "597910003": AppKind.CANVAS,  # a custom page is a canvas app in a solution
    "componentlibrary": AppKind.COMPONENT_LIBRARY, "597910004": AppKind.COMPONENT_LIBRARY,
}
TIERS = {"standard": "standard", "premium": "premium", "custom": "premium"}  # custom connectors need premium
MANAGED = {"standard": True, "basic": False, "none": False}


def _squash(value):
    return re.sub(r"[\s_\-]", "", value).lower()


def text(value):
    """Keep the cell as it is."""
    return value


def guid(value):
    """Return the GUID in lower case, braces dropped."""
    match = GUID.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a GUID")
    return match.group(1).lower()


def environment_id(value):
    """Return an environment name: a GUID, or Default-<tenant GUID>."""
    prefix, guid_part = ("Default-", value[8:]) if value.lower().startswith("default-") else ("", value)
    match = GUID.fullmatch(guid_part)
    if not match:
        raise ValueError(f"{value!r} is not an environment id (a GUID or Default-<GUID>)")
    return prefix + match.group(1).lower()


def connector_id(value):
    """Return the short connector id of a full or short id."""
    if re.search(r"\s", value):
        raise ValueError(f"{value!r} is not a connector id")
    return normalise_connector_id(value)


def timestamp(value):
    """Return an aware datetime from ISO 8601 or the en-US export form (1/31/2024 2:05 PM); naive means UTC."""
    match = US_TIME.fullmatch(value)
    try:
        if match:
            month, day, year, hour, minute, second, half = match.groups()
            hour = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
            parsed = datetime(int(year), int(month), int(day), hour, int(minute), int(second or 0))
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time (use ISO 8601, e.g. 2024-01-31T14:05:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def boolean(value):
    """Return True or False from true/false, yes/no or 1/0."""
    lowered = value.lower()
    if lowered in TRUE or lowered in FALSE:
        return lowered in TRUE
    raise ValueError(f"{value!r} is not a yes/no value (true, false, yes, no, 1 or 0)")


def count(value):
    """Return a whole number of zero or more."""
    if not value.isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def email(value):
    """Return an e-mail address (or UPN) as written."""
    if not EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def url(value):
    """Return an http(s) URL."""
    if not re.fullmatch(r"https?://\S+", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _choice(value, options, what):
    try:
        return options[_squash(value)]
    except KeyError:
        raise ValueError(f"{value!r} is not {what}") from None


def app_kind(value):
    """Return the AppKind of a PowerApps Type label or option value."""
    return _choice(value, APP_KINDS, "an app type (Canvas, Model Driven, SharePointFormApp, Custom Page, "
                                     "Component Library)")


def flow_state(value):
    """Return the FlowState of Started, Stopped or Suspended."""
    return _choice(value, {state.value.lower(): state.value for state in FlowState}, "a flow state "
                   "(Started, Stopped, Suspended)")


def environment_type(value):
    """Return the EnvironmentType of an environment SKU; SKUs we do not list are Other."""
    known = {kind.value.lower(): kind.value for kind in EnvironmentType}
    return known.get(_squash(value), EnvironmentType.OTHER.value)


def tier(value):
    """Return the connector tier of Standard, Premium or Custom."""
    return _choice(value, TIERS, "a connector tier (Standard, Premium, Custom)")


def managed_level(value):
    """Return whether a governance protection level means a managed environment."""
    return _choice(value, MANAGED, "a protection level (Standard, Basic, None)")


def _is_connector_id(token):
    if "/" in token:
        return True
    if re.search(r"\s", token):
        return False
    return token.lower().startswith("shared_") or token == token.lower()


def connections(value):
    """Split a connections cell into ("id", connector id) and ("name", display name) references."""
    references = []
    for token in re.split(r"[,;]", value):
        token = token.strip()
        if not token:
            continue
        reference = ("id", normalise_connector_id(token)) if _is_connector_id(token) else ("name", token)
        if reference not in references:
            references.append(reference)
    return tuple(references)
