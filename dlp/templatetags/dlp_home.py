"""`{% dlp_attention %}`: apps and flows the live DLP policies break, from the newest computed impact run."""

from django import template
from django.urls import reverse

from inventory.models import App, Flow

from ..services.lookup import impact_runs, items_matching

register = template.Library()


@register.inclusion_tag("dlp/inc/home_attention.html", takes_context=True)
def dlp_attention(context):
    runs = impact_runs(context.get("request"))
    rows = [(f"{label} breaking the live DLP policies",
             items_matching(model.objects.filter(deleted_at=None), runs, "broken").count(),
             f"{reverse(name)}?dlp=broken") for label, model, name in
            (("Apps", App, "inventory:app-list"), ("Flows", Flow, "inventory:flow-list"))]
    return {"rows": rows, "computed": runs.latest is not None}
