"""DLP exposure for the progress dashboards: default-environment items the live policies break."""

from coe_portal.dashboards.metrics import by_department, register

from .choices import ItemStatus
from .models import ImpactItem, ImpactRun


def exposed():
    run = ImpactRun.objects.filter(status=ImpactRun.Status.DONE).order_by("-finished").first()
    if run is None:
        return {}
    broken = ImpactItem.objects.filter(run=run, current=ItemStatus.BROKEN, environment__is_default=True)
    return by_department((broken, "maker"))


register("dlp_exposed", "Breaking a live DLP policy", 110, exposed)
