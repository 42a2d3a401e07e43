"""Plan wizards: create a plan (rules checked), follow it on its page, tick off its checklist."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import has_role, role_required

from . import filtersets, forms, tables
from .choices import CopyLevel, PlanKind
from .models import ChecklistItem, Plan, PortalMovePlan, TenantMovePlan
from .services.plans import copy_environment, portal_move, tenant_move, usermapping
from .services.plans.actions import PlanRejected, create_plan, do_start_copy, do_update_item, rejections_for

ADMIN = (Role.COE_ADMIN,)
VIEWERS = (Role.COE_ADMIN, Role.MANAGER)
FORMS = {"copy": (PlanKind.COPY_ENVIRONMENT, forms.CopyPlanForm),
         "tenant-move": (PlanKind.TENANT_MOVE, forms.TenantMovePlanForm),
         "portal-move": (PlanKind.PORTAL_MOVE, forms.PortalMovePlanForm)}


class PlanListView(ObjectListView):
    queryset = Plan.objects.select_related("owner")
    table_class = tables.PlanTable
    filterset_class = filtersets.PlanFilterSet
    required_roles = VIEWERS
    title = "Environment operation plans"
    template_name = "migrations_app/plan_list.html"


@role_required(*ADMIN)
def plan_new(request, kind):
    """The first step of a wizard: choose what to copy or move; the rules are checked on submit."""
    if kind not in FORMS:
        raise Http404("No such plan kind")
    plan_kind, form_class = FORMS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                plan = create_plan(form.instance, request.user)
                audit.record(request, "envops.plan.create", obj=plan, kind=plan.kind)
        except PlanRejected as exc:
            for rejection in exc.rejections:
                form.add_error(None, rejection.message)
        else:
            messages.success(request, f"Plan saved: {plan}. Work through its checklist below.")
            return redirect(plan)
    return render(request, "migrations_app/plan_new.html",
                  {"form": form, "kind": PlanKind(plan_kind), "title": f"New plan: {PlanKind(plan_kind).label}"})


@role_required(*VIEWERS)
def plan_detail(request, pk):
    """A plan, its rules' current verdict, its files and its checklist (read-only for managers)."""
    plan = get_object_or_404(Plan, pk=pk).specific
    can_edit = has_role(request.user, Role.COE_ADMIN)
    items = list(plan.checklist.all())
    context = {"plan": plan, "title": str(plan), "can_edit": can_edit, "rejections": rejections_for(plan),
               "items": [(item, forms.ChecklistItemForm(instance=item, prefix=f"item{item.pk}")) for item in items]}
    context.update(_kind_context(request, plan))
    return render(request, f"migrations_app/{plan.kind}.html", context)


def _kind_context(request, plan):
    if plan.kind == PlanKind.COPY_ENVIRONMENT:
        tables_ = copy_environment.truncated_tables() if plan.level == CopyLevel.CUSTOMIZATIONS else ()
        return {"confirm_form": forms.ConfirmCopyForm(), "truncated": sorted(tables_), "job": plan.job,
                "outside": copy_environment.outside_solutions(plan.source)}
    if plan.kind == PlanKind.TENANT_MOVE:
        return {"found": tenant_move.components(plan.environment), "upload_form": forms.UsermappingUploadForm(),
                "users": usermapping.environment_users(plan.environment), "filename": usermapping.FILENAME}
    return {"script": portal_move.cli_script(plan),
            "schema_files": portal_move.schema_files(plan.source_template, plan.source_version),
            "min_version": portal_move.MIN_VERSION}


@require_POST
@role_required(*ADMIN)
def copy_start(request, pk):
    """Confirm with the target's name and start the copy through the tenant API."""
    plan = get_object_or_404(Plan, pk=pk, kind=PlanKind.COPY_ENVIRONMENT).specific
    form = forms.ConfirmCopyForm(request.POST)
    typed = form.data.get("confirmation", "")
    try:
        with transaction.atomic():
            plan = do_start_copy(plan, request.user, typed)
            audit.record(request, "envops.copy.start", obj=plan, source=plan.source.env_id,
                         target=plan.target.env_id, level=plan.level)
    except PlanRejected as exc:
        for rejection in exc.rejections:
            messages.error(request, rejection.message)
    else:
        messages.success(request, f"Copy of {plan.source} over {plan.target} started.")
    return redirect(plan)


@require_POST
@role_required(*ADMIN)
def item_update(request, pk, item_pk):
    """Set the owner and status of one checklist item."""
    item = get_object_or_404(ChecklistItem, pk=item_pk, plan_id=pk)
    form = forms.ChecklistItemForm(request.POST, instance=item, prefix=f"item{item.pk}")
    if form.is_valid():
        with transaction.atomic():
            plan = do_update_item(item, form.cleaned_data["owner"], form.cleaned_data["status"])
            audit.record(request, "envops.checklist.update", obj=plan, item=item.key, owner=form.cleaned_data["owner"],
                         status=form.cleaned_data["status"])
        messages.success(request, f"{item.label}: {form.instance.get_status_display()}.")
    else:
        messages.error(request, f"{item.label}: " + " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(f"{item.plan.get_absolute_url()}#item-{item.pk}")


@role_required(*ADMIN)
def usermapping_download(request, pk):
    """Download usermapping.csv: the uploaded one once checked, else one generated from the inventory."""
    plan = get_object_or_404(TenantMovePlan, pk=pk)
    generated = request.GET.get("generated") == "1" or not plan.usermapping
    rules = usermapping.parse_rules(plan.domain_rules)
    text = usermapping.generate(plan.environment, rules) if generated else plan.usermapping
    audit.record(request, "envops.usermapping.download", obj=plan, generated=generated)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{usermapping.FILENAME}"'
    return response


@require_POST
@role_required(*ADMIN)
def usermapping_upload(request, pk):
    """Check an edited usermapping.csv; keep it only when every line is right."""
    plan = get_object_or_404(TenantMovePlan, pk=pk)
    form = forms.UsermappingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a usermapping.csv file to upload.")
        return redirect(plan)
    upload = form.cleaned_data["file"]
    try:
        text = usermapping.validate(upload.read(), upload.name, usermapping.environment_users(plan.environment))
    except usermapping.MappingError as exc:
        audit.record(request, "envops.usermapping.refused", obj=plan, file=upload.name[:200],
                     problems=exc.problems[:20])
        # A 400 that keeps the admin on the plan, each problem (line and column) listed, ready for a fixed file.
        for problem in exc.problems[:20]:
            messages.error(request, f"{upload.name[:200]} was not accepted: {problem}")
        response = plan_detail(request, pk)
        response.status_code = 400
        return response
    with transaction.atomic():
        _store_mapping(plan, text)
        rows = text.count("\r\n") - 1
        audit.record(request, "envops.usermapping.upload", obj=plan, rows=rows)
    messages.success(request, f"{usermapping.FILENAME} checked and saved: {rows} users mapped.")
    return redirect(plan)


def _store_mapping(plan, text):
    from django.utils import timezone

    TenantMovePlan.objects.filter(pk=plan.pk).update(usermapping=text, usermapping_uploaded=timezone.now())
    item = plan.checklist.filter(key="usermapping").first()
    if item is not None:
        do_update_item(item, item.owner, "done")


@role_required(*ADMIN)
def portal_script(request, pk):
    """Download the Power Platform CLI script of a portal configuration move."""
    plan = get_object_or_404(PortalMovePlan, pk=pk)
    audit.record(request, "envops.portal.script", obj=plan)
    response = HttpResponse(portal_move.cli_script(plan), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="move-portal-{plan.pk}.ps1"'
    return response
