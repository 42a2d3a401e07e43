from django.db import models

__all__ = ["API_GROUPS", "CHANGE_KEYS", "Change", "Group", "ItemStatus", "Rule", "Scope"]


class Group(models.TextChoices):
    """A DLP connector group; the API calls them Confidential, General and Blocked."""

    BUSINESS = "business", "Business"
    NON_BUSINESS = "non_business", "Non-business"
    BLOCKED = "blocked", "Blocked"


# The API's classification names, both ways.
API_GROUPS = {"Confidential": Group.BUSINESS, "General": Group.NON_BUSINESS, "Blocked": Group.BLOCKED}


class Scope(models.TextChoices):
    ALL = "AllEnvironments", "All environments"
    EXCEPT = "ExceptEnvironments", "All environments except"
    ONLY = "OnlyEnvironments", "Only these environments"


class Rule(models.TextChoices):
    BLOCKED = "blocked", "Uses a blocked connector"
    MIXED = "mixed", "Uses business and non-business connectors together"
    ACTION = "action", "Calls an action the policy blocks"
    ENDPOINT = "endpoint", "Calls an endpoint the policy denies"


class ItemStatus(models.IntegerChoices):
    OK = 0, "Compliant"
    EXEMPT = 1, "Exempt"
    BROKEN = 2, "Broken"


class Change(models.IntegerChoices):
    NEW = 1, "Newly broken"
    FIXED = 2, "Newly fixed"
    UNCHANGED = 3, "Broken in both"
    EXEMPT = 4, "Exempt"


# run.counts keys, by change
CHANGE_KEYS = {Change.NEW: "new", Change.FIXED: "fixed", Change.UNCHANGED: "unchanged", Change.EXEMPT: "exempt"}
