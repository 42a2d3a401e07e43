"""Legacy package pages (choose options per resource, follow the export, download) and the data migration plan."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import role_required
from coe_portal.powerplatform.errors import PowerPlatformError
from inventory.models import App, Flow

from .choices import PackageStatus
from .models import LegacyPackage
from .services import packages
from .services.dataplan import CREATED_ON_TARGET, build_plan

ACTORS = (Role.COE_ADMIN, Role.MAKER)
MODELS = {"app": App, "flow": Flow}


def visible_item(request, kind, pk):
    """The app or flow `pk` if the user may see it (admins: all; makers: their own), else 404."""
    if kind not in MODELS:
        raise Http404("No such kind of item")
    return get_object_or_404(MODELS[kind].objects.visible_to(request.user).select_related("environment"), pk=pk)


@role_required(*ACTORS)
def package_new(request, kind, pk):
    """The resources of the item's package, an import option for each, and what must be recreated by hand."""
    item = visible_item(request, kind, pk)
    choices, steps, error = [], [], ""
    try:
        choices = packages.package_choices(item)
        steps = packages.manual_steps(item, choices)
    except PowerPlatformError as exc:
        error = f"The tenant did not list the package's resources: {exc}"
    if request.method == "POST" and choices:
        wanted = {choice.key: request.POST.get(f"option-{choice.key}", "") for choice in choices}
        try:
            package = packages.request_package(item, request.user, wanted)
        except (ValueError, PowerPlatformError) as exc:
            error = str(exc)
        else:
            messages.success(request, "The export has started; the package appears below when it is ready.")
            return redirect(package)
    history = LegacyPackage.objects.visible_to(request.user).filter(**{kind: item})[:10]
    return render(request, "migrations_app/package_new.html", {
        "item": item, "kind": kind, "choices": choices, "steps": steps, "error": error, "history": history,
        "title": f"Export a package: {item.display_name}"})


@role_required(*ACTORS)
def package_detail(request, code):
    """A package export: status (polled while it runs), options chosen, manual steps, checksum, download."""
    package = get_object_or_404(LegacyPackage.objects.visible_to(request.user), code=code)
    template = "migrations_app/inc/package_status.html" if request.htmx else "migrations_app/package_detail.html"
    return render(request, template, {"package": package, "title": str(package)})


@role_required(*ACTORS)
def package_download(request, code):
    """The stored .zip, when the export is done."""
    package = get_object_or_404(LegacyPackage.objects.visible_to(request.user), code=code)
    if package.status != PackageStatus.DONE or not package.file:
        raise Http404("The package is not ready")
    audit.record(request, "package.download", obj=package.item, package=str(package.code), sha256=package.sha256)
    return FileResponse(package.file.open("rb"), as_attachment=True,
                        filename=f"{package.kind}-{package.item.pk}-package.zip", content_type="application/zip")


@role_required(*ACTORS)
def dataplan(request, kind, pk):
    """The data migration plan of the Dataverse tables the item uses."""
    item = visible_item(request, kind, pk)
    plan, error = None, ""
    try:
        plan = build_plan(item)
    except PowerPlatformError as exc:
        error = f"The tenant did not return the tables' metadata: {exc}"
    return render(request, "migrations_app/dataplan.html", {
        "item": item, "kind": kind, "plan": plan, "error": error, "created_on": CREATED_ON_TARGET,
        "title": f"Data migration plan: {item.display_name}"})
