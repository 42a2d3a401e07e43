import logging

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found as django_page_not_found

from inventory.models import Maker

from . import audit, tasks
from .choices import Role
from .entra import entra_app, entra_enabled
from .filtersets import AuditEntryFilterSet, UserFilterSet
from .forms import RolesForm
from .generic import ObjectListView
from .models import AuditEntry, JobRun
from .permissions import role_required, set_roles, user_roles
from .redirects import safe_next
from .services.readiness import readiness
from .services.users import LinkPending, user_for_entra_claims
from .tables import AuditEntryTable, UserTable

logger = logging.getLogger(__name__)


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so it stays cheap under any load."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Readiness: PostgreSQL, Redis and a worker heartbeat; 503 naming what is not ready."""
    results = readiness()
    ready = all(result == "ok" for result in results.values())
    response = JsonResponse({"ready": ready, **results}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def home(request):
    return render(request, "core/home.html", {"recent_jobs": JobRun.objects.filter(created_by=request.user)[:5]})


@login_required
def me(request):
    roles = [Role(role) for role in sorted(user_roles(request.user))]
    return render(request, "core/me.html", {"makers": Maker.objects.for_user(request.user), "roles": roles})


def page_not_found(request, exception=None):
    """404: JSON under /api/ (what API clients and the schema expect), the portal's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return django_page_not_found(request, exception)


def permission_denied(request, exception=None):
    roles = getattr(exception, "roles", None)
    return render(request, "403.html", {"required_roles": roles, "message": str(exception or "")}, status=403)


# Audit log and users


class AuditEntryListView(ObjectListView):
    queryset = AuditEntry.objects.all()
    table_class = AuditEntryTable
    filterset_class = AuditEntryFilterSet
    required_roles = (Role.COE_ADMIN,)
    title = "Audit log"


class UserListView(ObjectListView):
    queryset = get_user_model().objects.prefetch_related("groups")
    table_class = UserTable
    filterset_class = UserFilterSet
    required_roles = (Role.COE_ADMIN,)
    title = "Users and roles"


@require_POST
@role_required(Role.COE_ADMIN)
def user_roles_edit(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    form = RolesForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400)
    if user == request.user and Role.COE_ADMIN not in form.cleaned_data["roles"] and not user.is_superuser:
        return HttpResponse("You cannot remove your own CoE admin role.", status=400)
    with transaction.atomic():
        added, removed = set_roles(user, form.cleaned_data["roles"])
        audit.record(request, "user.roles", obj=user, added=added, removed=removed)
    return render(request, "core/inc/user_roles_cell.html", {"record": user, "saved": True})


# Health check job


@require_POST
@role_required(Role.COE_ADMIN)
def health_check_start(request):
    job = JobRun.objects.create(kind="health_check", created_by=request.user)
    audit.record(request, "health_check.start", obj=job)
    transaction.on_commit(lambda: tasks.run_health_check.delay(job.pk))
    return redirect("job", code=job.code)


@role_required(Role.COE_ADMIN)
def job_detail(request, code):
    job = get_object_or_404(JobRun, code=code)
    template = "core/inc/job_progress.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job})


# Sign-in with Microsoft Entra ID


def entra_login(request):
    if not entra_enabled():
        raise Http404("Entra sign-in is not configured")
    flow = entra_app().initiate_auth_code_flow(
        scopes=[], redirect_uri=request.build_absolute_uri(reverse("entra-callback")),
        login_hint=request.GET.get("login_hint") or None,
    )
    request.session["entra_flow"] = flow
    request.session["entra_next"] = safe_next(request, request.GET.get("next"), "home")
    return redirect(flow["auth_uri"])


def entra_callback(request):
    if not entra_enabled():
        raise Http404("Entra sign-in is not configured")
    flow = request.session.pop("entra_flow", None)
    if flow is None:
        messages.error(request, "The sign-in took too long or was already used. Please sign in again.")
        return redirect("login")
    try:
        result = entra_app().acquire_token_by_auth_code_flow(flow, request.GET.dict())
    except ValueError as exc:  # msal raises this for a state mismatch: a forged or replayed callback
        logger.warning("Entra callback rejected: %s", exc)
        result = {"error": "invalid_state", "error_description": "The sign-in response did not match."}
    if "error" in result:
        messages.error(request, f"Microsoft sign-in failed: {result.get('error_description') or result['error']}")
        return redirect("login")
    try:
        user = user_for_entra_claims(result["id_token_claims"], request)
    except LinkPending:
        messages.error(request, "A portal account with your e-mail address already exists. A CoE admin must "
                                "confirm that it is yours before you can sign in to it with Microsoft.")
        return redirect("login")
    request.login_method = "entra"
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(safe_next(request, request.session.pop("entra_next", ""), "home"))


