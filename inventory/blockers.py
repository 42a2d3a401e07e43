"""Clean-up cases whose step failed, for the dashboards' blockers panel (see coe_portal/dashboards/blockers.py)."""

from django.urls import reverse_lazy
from django.utils.http import urlencode
from django.utils.text import format_lazy

from coe_portal.dashboards.blockers import Link, department_q, register_blocker

from .choices import CleanupStage
from .models import CleanupCase

NO_DEPARTMENT = "(no department)"


def failed_cases(departments):
    return (CleanupCase.objects.filter(stage=CleanupStage.FAILED)
            .filter(department_q(departments, "app__owner__department", "flow__creator__department"))
            .select_related("app__owner", "flow__creator").order_by("updated", "pk"))


def _cells(case):
    item = case.item
    owner = case.app.owner if case.app_id else case.flow.creator
    return [Link(str(item), item.get_absolute_url()), item._meta.verbose_name.capitalize(), str(owner or ""),
            (owner.department if owner else "") or NO_DEPARTMENT, case.get_mode_display(),
            case.error.split("|", 1)[-1], case.updated.strftime("%Y-%m-%d %H:%M")]


register_blocker(
    "cleanup_failed", "Clean-up steps failed",
    "A quarantine, stop, backup or deletion failed (the error says why); the CoE team retries it on the clean-up "
    "page.", 25, ["Item", "Kind", "Owner", "Department", "Clean-up", "Error", "Since"], failed_cases, _cells,
    admin_url=format_lazy("{}?{}", reverse_lazy("inventory:case-list"), urlencode({"stage": CleanupStage.FAILED})))
