from django import template

from ..services.status import migration_of

register = template.Library()


@register.simple_tag
def item_migration(item):
    """The item's latest migration request row (RequestItem), or None: `{% item_migration item as m %}`."""
    return migration_of(item)
