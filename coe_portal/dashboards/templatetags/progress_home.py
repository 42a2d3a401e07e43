"""`{% manager_progress user %}`: the home cards of a manager: progress of their departments now, in
percentages of what was inventoried, when the figures were taken (with a refresh), the trend of what is
left, the live figures each a link to its rows, and what blocks progress, each a link to its list."""

from django import template

from ..home import home_cards

register = template.Library()


@register.inclusion_tag("dashboards/inc/home_progress.html", takes_context=True)
def manager_progress(context, user):
    return {**home_cards(user), "request": context.get("request"), "csrf_token": context.get("csrf_token")}
