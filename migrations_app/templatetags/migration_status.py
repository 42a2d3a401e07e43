from django import template

from ..services.status import migration_of

register = template.Library()


@register.simple_tag(takes_context=True)
def item_migration(context, item):
    """The item's latest migration request row (RequestItem) the viewer may see, or None:
    `{% item_migration item as m %}` (another maker's unsent draft is not shown)."""
    return migration_of(item, viewer=context["request"].user)
