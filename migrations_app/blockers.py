"""What holds migrations back, for the dashboards' blockers panel (see coe_portal/dashboards/blockers.py).

A request belongs to the departments of its items' owners (the dashboards count items by owner).
"""

from django.urls import reverse_lazy
from django.utils.http import urlencode
from django.utils.text import format_lazy

from coe_portal.dashboards.blockers import Link, department_q, register_blocker

from .choices import RequestState
from .models import MigrationRequest, RequestItem
from .services.no_target import KeyedItems, items_without_target

NO_DEPARTMENT = "(no department)"


def _requests(state):
    def rows(departments):
        requests = MigrationRequest.objects.filter(state=state)
        if departments is not None:
            theirs = RequestItem.objects.filter(department_q(departments, "app__owner__department",
                                                            "flow__creator__department"))
            requests = requests.filter(pk__in=theirs.values("request_id"))
        return (requests.select_related("requested_by", "target", "job")
                .prefetch_related("items__app__owner", "items__flow__creator").order_by("updated", "pk"))
    return rows


def _owner(item):
    return item.owner if item._meta.model_name == "app" else item.creator


def _department(request):
    departments = {getattr(_owner(member.item), "department", "") for member in request.items.all()}
    return ", ".join(sorted(department or NO_DEPARTMENT for department in departments))


def _request_cells(request):
    job = getattr(request, "job", None)
    return [f"#{request.pk}", request.requested_by.get_full_name() or request.requested_by.get_username(),
            _department(request), "; ".join(str(item.item) for item in request.items.all()), str(request.target),
            job.get_step_display() if job else "", request.updated.strftime("%Y-%m-%d %H:%M"),
            job.error if job else ""]


REQUEST_HEADER = ["Request", "Requested by", "Department", "Items", "Target", "Step", "Since", "Error"]
QUEUE = reverse_lazy("migrations_app:request-queue")


def _item_cells(item):
    owner = _owner(item)
    return [Link(item.display_name, item.get_absolute_url()), item._meta.verbose_name.capitalize(),
            str(owner) if owner else "", (owner.department if owner else "") or NO_DEPARTMENT, str(item.environment)]


register_blocker(
    "needs_input", "Migration requests needing input",
    "The job waits for its maker to pick connections in the target; nothing moves until they do.", 10,
    REQUEST_HEADER, _requests(RequestState.NEEDS_INPUT), _request_cells,
    admin_url=format_lazy("{}?{}", QUEUE, urlencode({"state": RequestState.NEEDS_INPUT})))
register_blocker(
    "migration_failed", "Migrations with a failed step",
    "A step of the job failed (the error says why); the CoE team retries it from the request page.", 20,
    REQUEST_HEADER, _requests(RequestState.FAILED), _request_cells,
    admin_url=format_lazy("{}?{}", QUEUE, urlencode({"state": RequestState.FAILED})))
register_blocker(
    "no_target", "Items with no target environment",
    "Every environment a request could offer (non-default, with Dataverse) has a live DLP policy the item breaks: "
    "it cannot move until a policy, an exemption or a new environment makes room. Counted at each snapshot; "
    "the list is computed when opened.", 30,
    ["Item", "Kind", "Owner", "Department", "Environment"],
    lambda departments: KeyedItems(list(items_without_target(departments))), _item_cells,
    metric="no_target")
