"""Tags (create, rename, merge, colour), bulk tagging of a filtered selection, tag rules, triage settings."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.filtering import InvalidFilter, refuse, strict_queryset
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import role_required

from . import filtersets, tables
from .forms import BulkTagForm, TagForm, TagMergeForm, TagRuleForm, TriageSettingsForm
from .models import App, Flow, Tag, TagRule, TriageSettings
from .services import tags as tag_service

ADMIN = (Role.COE_ADMIN,)
ITEM_MODELS = {"app": (App, filtersets.AppFilterSet), "flow": (Flow, filtersets.FlowFilterSet)}


def link_count(model):
    """How many `model` items carry the outer tag: a subquery on the link table.

    Two Count() joins in one query multiply (a tag's apps x its flows rows, 20 M at 300,000 items);
    one subquery per link table stays linear in the links.
    """
    links = (model.tags.through.objects.filter(tag_id=OuterRef("pk")).order_by().values("tag_id")
             .annotate(total=Count("*")).values("total"))
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


class TagListView(ObjectListView):
    queryset = Tag.objects.annotate(app_count=link_count(App), flow_count=link_count(Flow))
    table_class = tables.TagTable
    filterset_class = filtersets.TagFilterSet
    required_roles = ADMIN
    title = "Tags"
    template_name = "inventory/tag_list.html"


@role_required(*ADMIN)
def tag_edit(request, pk=None):
    """Create a tag (no pk) or rename, recolour and describe one."""
    tag = get_object_or_404(Tag, pk=pk) if pk else None
    form = TagForm(request.POST or None, instance=tag)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if tag is None:
                form.instance.slug = tag_service.unique_slug(form.cleaned_data["name"])
            saved = form.save()
            audit.record(request, "tag.create" if tag is None else "tag.edit", obj=saved,
                         changed=form.changed_data)
        messages.success(request, f"Tag {saved.name} saved.")
        return redirect("inventory:tag-list")
    merge = TagMergeForm(source=tag) if tag else None
    return render(request, "inventory/tag_form.html", {"form": form, "tag": tag, "merge_form": merge,
                                                       "tagged": tagged_counts(tag) if tag else None,
                                                       "title": f"Tag {tag}" if tag else "New tag"})


def tagged_counts(tag):
    """How many apps and flows (not deleted) carry `tag`: the items a campaign about it asks about."""
    return {"apps": tag.apps.filter(deleted_at__isnull=True).count(),
            "flows": tag.flows.filter(deleted_at__isnull=True).count()}


@require_POST
@role_required(*ADMIN)
def tag_merge(request, pk):
    source = get_object_or_404(Tag, pk=pk)
    form = TagMergeForm(request.POST, source=source)
    if not form.is_valid():
        messages.error(request, "Choose the tag to merge into.")
        return redirect("inventory:tag-edit", pk=pk)
    target = form.cleaned_data["into"]
    with transaction.atomic():
        audit.record(request, "tag.merge", obj=target, merged=source.name)
        tag_service.merge_tags(source, target)
    messages.success(request, f"Merged {source.name} into {target.name}.")
    return redirect("inventory:tag-list")


@require_POST
@role_required(*ADMIN)
def bulk_tag(request, kind):
    """Add or remove a tag on the checked rows or on every row the list's filters match (HTMX)."""
    if kind not in ITEM_MODELS:
        raise Http404
    model, filterset_class = ITEM_MODELS[kind]
    form = BulkTagForm(request.POST)
    if not form.is_valid():
        return render(request, "inventory/inc/bulk_result.html", {"errors": form.errors}, status=400)
    data = form.cleaned_data
    try:
        selection = strict_queryset(filterset_class, data["query"], model.objects.all(), request=request)
    except InvalidFilter as exc:
        return refuse(request, str(exc))
    if data["scope"] == "selected":
        ids = [value for value in request.POST.getlist("pk") if value.isdigit()]
        selection = selection.filter(pk__in=ids)
    with transaction.atomic():
        tag = data["tag"] or tag_service.tag_for_name(data["new_tag"].strip())
        changed = tag_service.bulk_tag(selection, tag, add=data["action"] == "add")
        audit.record(request, f"tag.bulk_{data['action']}", obj=tag, kind=kind, scope=data["scope"],
                     filters=data["query"], changed=changed)
    verb = "Tagged" if data["action"] == "add" else "Untagged"
    # A new tag joins the form's list at once (out-of-band swap of the select).
    refreshed = BulkTagForm(initial={"tag": tag.pk}, auto_id="bulk_%s")
    refreshed.fields["tag"].widget.attrs["hx-swap-oob"] = "true"
    return render(request, "inventory/inc/bulk_result.html", {
        "message": f"{verb} {changed} {model._meta.verbose_name_plural} with {tag.name}.",
        "tag_select": refreshed["tag"]})


@role_required(*ADMIN)
def rule_list(request):
    rules = TagRule.objects.select_related("tag")
    return render(request, "inventory/rule_list.html", {"rules": rules, "title": "Tag rules"})


@role_required(*ADMIN)
def rule_edit(request, pk=None):
    """Build a rule; "Preview" shows how many items it matches, "Save" keeps it, "Save and apply" tags them."""
    rule = get_object_or_404(TagRule, pk=pk) if pk else None
    form = TagRuleForm(request.POST or None, instance=rule)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = tag_service.preview(form.instance)
        else:
            with transaction.atomic():
                saved = form.save()
                audit.record(request, "tag_rule.save", obj=saved, kind=saved.kind, value=saved.value)
                if "apply" in request.POST:
                    matched = tag_service.apply_rule(saved)
                    audit.record(request, "tag_rule.apply", obj=saved, matched=matched)
                    messages.success(request, f"Rule {saved.name} tagged {matched} items with {saved.tag.name}.")
            return redirect("inventory:rule-list")
    partial = request.htmx and "preview" in request.POST
    template = "inventory/inc/rule_preview.html" if partial else "inventory/rule_form.html"
    return render(request, template, {"form": form, "rule": rule, "preview": preview,
                                      "title": f"Rule {rule}" if rule else "New tag rule"})


@require_POST
@role_required(*ADMIN)
def rule_apply(request, pk):
    rule = get_object_or_404(TagRule.objects.select_related("tag"), pk=pk)
    with transaction.atomic():
        matched = tag_service.apply_rule(rule)
        audit.record(request, "tag_rule.apply", obj=rule, matched=matched)
    messages.success(request, f"Rule {rule.name} tagged {matched} items with {rule.tag.name}.")
    return redirect("inventory:rule-list")


@role_required(*ADMIN)
def triage_settings(request):
    """The recommendation thresholds; saving recomputes every recommendation in the background."""
    from .tasks import refresh_triage

    config = TriageSettings.load()
    form = TriageSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(request, "triage.settings", obj=config, changed={f: form.cleaned_data[f]
                                                                          for f in form.changed_data})
            transaction.on_commit(lambda: refresh_triage.delay())
        messages.success(request, "Settings saved; recommendations are being recomputed.")
        return redirect("inventory:triage-settings")
    return render(request, "inventory/triage_settings.html", {"form": form, "title": "Triage settings"})
