from django.db import models

__all__ = ["Change", "Group", "ItemStatus", "Rule", "Scope"]


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


class ItemStatus(models.IntegerChoices):
    OK = 0, "Compliant"
    EXEMPT = 1, "Exempt"
    BROKEN = 2, "Broken"


class Change(models.TextChoices):
    NEW = "new", "Newly broken"
    FIXED = "fixed", "Newly fixed"
    UNCHANGED = "unchanged", "Broken in both"
    EXEMPT = "exempt", "Exempt"
