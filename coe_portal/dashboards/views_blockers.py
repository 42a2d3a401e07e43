"""What blocks progress: the blockers with what each means, and the list behind each count, with its CSV.

A manager sees only the rows of their departments (?department= narrows to one of them); a CoE admin sees all.
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode

from coe_portal.core.choices import Role
from coe_portal.core.export import csv_response
from coe_portal.core.permissions import has_role, role_required

from .blockers import BLOCKERS, ordered
from .figures import NO_DEPARTMENT
from .home import blocker_rows
from .scope import departments_for
from .views import VIEWERS

PER_PAGE = 50
CSV_CHUNK = 500
PARAMETERS = {"department", "page", "export"}


def _scope(request):
    """(departments the request covers, the one chosen or None); a department not the user's is refused."""
    allowed = departments_for(request.user)
    if "department" not in request.GET:
        return allowed, None
    department = request.GET["department"]
    department = "" if department == "-" else department
    if allowed is not None and department not in allowed:
        raise PermissionDenied(f"{department or NO_DEPARTMENT} is not one of the departments you manage.")
    return {department}, department


@role_required(*VIEWERS)
def blockers(request):
    """Every blocker: what it means and how many, for the user's departments."""
    departments, department = _scope(request)
    scoped = departments is None or bool(departments)
    rows = blocker_rows(departments, department) if scoped else []
    explained = [(blocker, *row) for blocker, row in zip(ordered(), rows, strict=False)]
    return render(request, "dashboards/blockers.html", {"title": "What blocks progress", "rows": explained,
                                                        "scope": _scope_label(departments),
                                                        "no_departments": not scoped})


def _scope_label(departments):
    if departments is None:
        return "every department"
    return ", ".join(sorted(department or NO_DEPARTMENT for department in departments))


def _all_rows(blocker, rows):
    """Every row's cells, read in chunks (a CSV of thousands of items never holds them all)."""
    if isinstance(rows, QuerySet):
        yield from (blocker.cells(obj) for obj in rows.iterator(chunk_size=CSV_CHUNK))
        return
    for start in range(0, len(rows), CSV_CHUNK):
        yield from (blocker.cells(obj) for obj in rows[start:start + CSV_CHUNK])


@role_required(*VIEWERS)
def blocker_list(request, key):
    """The rows behind one blocker's count, a page at a time; `?export=csv` downloads them all."""
    blocker = BLOCKERS.get(key)
    if blocker is None:
        raise Http404("No such blocker")
    if unknown := sorted(set(request.GET) - PARAMETERS):
        return render(request, "core/refused.html", {"title": "Nothing to show", "back": request.path,
                                                      "error": f"Unknown parameter: {', '.join(unknown)}."}, status=400)
    departments, department = _scope(request)
    rows = blocker.rows(departments) if departments is None or departments else []
    if request.GET.get("export") == "csv":
        return csv_response([blocker.header, *_all_rows(blocker, rows)], f"{key}.csv")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    scope = {"department": "-" if department == "" else department} if department is not None else {}
    return render(request, "dashboards/blocker_list.html", {
        "title": blocker.label, "blocker": blocker, "page": page, "rows": [blocker.cells(obj) for obj in page],
        "scope": _scope_label(departments), "query": urlencode(scope), "no_departments": departments == set(),
        "admin_url": blocker.admin_url if has_role(request.user, Role.COE_ADMIN) else ""})
