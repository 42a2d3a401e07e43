"""Tags on apps and flows: bulk apply/remove over a filtered queryset, merge, and tag rules.

Every write is one INSERT ... SELECT or DELETE over the selection's SQL, so tagging 10,000
items costs one statement, not 10,000 rows through Python.
"""


from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify

from coe_portal.dashboards.freshness import figures_changed

from ..choices import TagRuleKind, TagRuleTarget
from ..models import App, ConnectorUsage, Flow, Tag
from .sync_writes import EXCEL_CONNECTORS

__all__ = ["apply_rule", "apply_rules", "bulk_tag", "merge_tags", "preview", "rule_matches", "tag_for_name",
           "unique_slug"]


def _through(model):
    through = model.tags.through
    column = model._meta.model_name + "_id"
    return through._meta.db_table, column


def bulk_tag(queryset, tag, add=True):
    """Add (or remove) `tag` on every item of `queryset` (apps or flows); return rows changed."""
    table, column = _through(queryset.model)
    try:
        select_sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a selection Django knows is empty (e.g. .none())
        return 0
    with connection.cursor() as cursor:
        if add:
            cursor.execute(f'INSERT INTO "{table}" ("{column}", tag_id) SELECT sel.pk, %s FROM ({select_sql}) sel '
                           "ON CONFLICT DO NOTHING", [tag.pk, *params])
        else:
            cursor.execute(f'DELETE FROM "{table}" WHERE tag_id = %s AND "{column}" IN ({select_sql})',
                           [tag.pk, *params])
        changed = cursor.rowcount
    if changed:
        figures_changed()
    return changed


@transaction.atomic
def merge_tags(source, target):
    """Move every use of `source` onto `target`, then delete `source`."""
    for model in (App, Flow):
        bulk_tag(model.objects.filter(tags=source), target)
    for related in ("environments", "makers", "connectors", "bots", "sites"):
        getattr(target, related).add(*getattr(source, related).all())
    source.rules.update(tag=target)
    source.delete()


def _uses(model, condition):
    usage = ConnectorUsage.objects.filter(**{model._meta.model_name: OuterRef("pk")}).filter(condition)
    return Exists(usage)


def _owner(model):
    return "owner" if model is App else "creator"


def rule_matches(rule, model):
    """The live items of `model` (App or Flow) that `rule` matches."""
    queryset = model.objects.filter(deleted_at__isnull=True)
    value = rule.value.strip()
    kind = rule.kind
    if kind == TagRuleKind.CONNECTOR:
        return queryset.filter(_uses(model, Q(connector__connector_id__iexact=value)))
    if kind in (TagRuleKind.DEPARTMENT, TagRuleKind.LOCATION):
        return queryset.filter(**{f"{_owner(model)}__{kind}__iexact": value})
    if kind == TagRuleKind.INACTIVE:  # from usage data: an item whose use is unknown is not tagged
        return queryset.unused_for(int(value))
    if kind == TagRuleKind.SHARED:
        return queryset.filter(shared_users_count__gt=int(value)) if model is App else queryset.none()
    if kind == TagRuleKind.DEFAULT_ENV:
        return queryset.filter(environment__is_default=True)
    if kind == TagRuleKind.EXCEL_SHAREPOINT:
        if model is App:
            return queryset.filter(Q(uses_excel=True) | Q(uses_sharepoint_list=True))
        connectors = [*EXCEL_CONNECTORS, "shared_sharepointonline"]
        return queryset.filter(_uses(model, Q(connector__connector_id__in=connectors)))
    raise ValueError(f"unknown rule kind {kind!r}")


def _models(rule):
    return {TagRuleTarget.APPS: (App,), TagRuleTarget.FLOWS: (Flow,)}.get(rule.target, (App, Flow))


def preview(rule):
    """{"apps": n, "flows": n}: what the rule would match now."""
    return {model._meta.verbose_name_plural: rule_matches(rule, model).count() for model in _models(rule)}


@transaction.atomic
def apply_rule(rule):
    """Tag every current match of `rule`; record when and how many matched."""
    matched = 0
    for model in _models(rule):
        matches = rule_matches(rule, model)
        bulk_tag(matches, rule.tag)
        matched += matches.count()
    rule.last_run, rule.last_matched = timezone.now(), matched
    rule.save(update_fields=["last_run", "last_matched"])
    return matched


def apply_rules():
    """Run every enabled rule (after each sync); return {rule name: matched}."""
    from ..models import TagRule

    return {rule.name: apply_rule(rule) for rule in TagRule.objects.filter(enabled=True).select_related("tag")}


def unique_slug(name):
    """A slug for a new tag called `name`, numbered when taken."""
    base = slugify(name)[:90] or "tag"
    slug, number = base, 1
    while Tag.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def tag_for_name(name):
    """The tag called `name`, created when new."""
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name, slug=unique_slug(name))
