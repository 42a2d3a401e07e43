"""`{% migration_attention %}`: migration requests that wait for the CoE, need input or failed."""

from django import template
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from ..choices import RequestState
from ..models import MigrationRequest

register = template.Library()

SHOWN = ((RequestState.REQUESTED, "waiting for approval"), (RequestState.NEEDS_INPUT, "needing the maker's input"),
         (RequestState.FAILED, "failed"))


@register.inclusion_tag("migrations_app/inc/home_attention.html")
def migration_attention():
    counts = dict(MigrationRequest.objects.filter(state__in=[state for state, _ in SHOWN])
                  .values_list("state").annotate(n=Count("pk")))
    queue = reverse("migrations_app:request-queue")
    return {"rows": [(f"Migration requests {words}", counts.get(state, 0), f"{queue}?{urlencode({'state': state})}")
                     for state, words in SHOWN]}


@register.inclusion_tag("migrations_app/inc/home_maker.html")
def maker_requests(user):
    """A maker's drafts to send and requests in progress."""
    mine = MigrationRequest.objects.filter(requested_by=user).exclude(
        state__in=[RequestState.DONE, RequestState.REJECTED, RequestState.CANCELLED]).order_by("-pk")
    return {"drafts": [r for r in mine if r.state == RequestState.DRAFT][:10],
            "going": [r for r in mine if r.state != RequestState.DRAFT][:10]}
