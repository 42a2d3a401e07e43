"""Communication pages: templates with live preview, campaigns, delivery log, answers."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.filtering import InvalidFilter, refuse
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import role_required
from coe_portal.core.redirects import safe_next
from coe_portal.core.selections import stashed_selection
from inventory.models import App, CleanupCase, Flow, Tag

from . import filtersets, rendering, tables
from .choices import Answer, CampaignStatus, DeliveryStatus, SourceKind
from .forms import CampaignForm, EmailTemplateForm, PreviewItemForm
from .models import Campaign, Delivery, EmailTemplate, Recipient, RecipientItem
from .querysets import answers_visible_to
from .rendering import VARIABLES, validate
from .services import campaigns
from .services.answers import do_mark_reviewed
from .services.audience import campaign_items, describe_source, reach
from .services.context import sample_context
from .templatetags import comms_items

ADMIN = (Role.COE_ADMIN,)


class TemplateListView(ObjectListView):
    queryset = EmailTemplate.objects.all()
    table_class = tables.EmailTemplateTable
    filterset_class = filtersets.EmailTemplateFilterSet
    required_roles = ADMIN
    title = "E-mail templates"


class CampaignListView(ObjectListView):
    queryset = Campaign.objects.select_related("template")
    table_class = tables.CampaignTable
    filterset_class = filtersets.CampaignFilterSet
    required_roles = ADMIN
    title = "Campaigns"
    template_name = "comms/campaign_list.html"


class DeliveryListView(ObjectListView):
    queryset = Delivery.objects.select_related("campaign")
    table_class = tables.DeliveryTable
    filterset_class = filtersets.DeliveryFilterSet
    required_roles = ADMIN
    title = "Delivery log"


class AnswerQueueView(ObjectListView):
    queryset = Recipient.objects.exclude(answer="").select_related("campaign", "maker").prefetch_related(
        "items__app", "items__flow").order_by("reviewed_at", "-answered_at")
    table_class = tables.AnswerTable
    filterset_class = filtersets.AnswerFilterSet
    required_roles = ADMIN
    title = "Answers from makers"


#
# Templates
#


@role_required(*ADMIN)
def template_edit(request, pk=None):
    template = get_object_or_404(EmailTemplate, pk=pk) if pk else None
    form = EmailTemplateForm(request.POST or None, instance=template)
    preview = PreviewItemForm(request.POST or request.GET or None)
    item = preview.item()
    if request.method == "POST" and form.is_valid():
        errors = validate(form.cleaned_data["subject"], form.cleaned_data["body_text"],
                          form.cleaned_data["body_html"], sample_context(item)) if item else []
        for error in errors:
            form.add_error(None, error)
        if not errors:
            saved = form.save()
            audit.record(request, "comms.template.create" if pk is None else "comms.template.edit", saved)
            messages.success(request, f"Saved “{saved}”.")
            return redirect(saved)
    context = {"form": form, "preview_form": preview, "template": template, "variables": list(VARIABLES.items()),
               "preview": _preview(form.data or None, template, item)}
    return render(request, "comms/template_edit.html", context)


@role_required(*ADMIN)
@require_POST
def template_preview(request):
    """HTMX: render the editor's current subject and bodies against a real item."""
    preview = PreviewItemForm(request.POST)
    return render(request, "comms/inc/preview.html", {"preview": _preview(request.POST, None, preview.item())})


def _preview(data, template, item):
    if item is None:
        return {"errors": ["There is no app in the inventory to preview with yet: sync the tenant first."]}
    if data:
        source = data
    elif template:
        source = {"subject": template.subject, "body_text": template.body_text, "body_html": template.body_html}
    else:
        return None
    parts = {name: source.get(name, "") for name in ("subject", "body_text", "body_html")}
    context = sample_context(item)
    errors = validate(parts["subject"], parts["body_text"], parts["body_html"], context)
    if errors:
        return {"errors": errors, "item": item}
    return {"item": item, "subject": rendering.render(parts["subject"], context, "subject"),
            "text": rendering.render(parts["body_text"], context),
            "html": rendering.render(parts["body_html"], context, "HTML", True)}


#
# Campaigns
#


def _selection(request, query):
    """The items chosen on the page that opened the form: stashed (?selection=<key>) or listed (?app=..&flow=..)."""
    stashed = stashed_selection(request, query.get("selection", ""))
    if stashed is not None:
        return stashed

    def ids(name):
        return [int(value) for value in query.getlist(name) if value.isdigit()]
    return {"app": ids("app"), "flow": ids("flow")}


@role_required(*ADMIN)
def campaign_new(request):
    """A new campaign; ?tag=<pk>, ?app_filter=<query>, ?flow_filter=<query>, ?selection=<key> or ?app=..&flow=..
    prefill it. "Create and start" starts it at once; without it the campaign is saved as a draft."""
    query = request.POST if request.method == "POST" else request.GET
    selection = _selection(request, query)
    if request.method == "POST":
        form = CampaignForm(request.POST, selection=selection)
        if form.is_valid():
            with transaction.atomic():
                form.instance.created_by = request.user
                campaign = form.save()
                audit.record(request, "comms.campaign.create", campaign, source=describe_source(campaign))
                started = "start" in request.POST and _start(request, campaign)
            if started:
                messages.success(request, _started_message(campaign))
            return redirect(campaign)
        source = form.cleaned_data
    else:
        form = CampaignForm(initial=_initial(request.GET, selection), selection=selection)
        source = form.initial
    status = 400 if form.is_bound else 200  # a bound form here was refused (e.g. a filter that is not valid)
    context = {"form": form, "selection": selection, "selection_key": query.get("selection", ""),
               "reach": _reach({**source, "selection": selection})}
    return render(request, "comms/campaign_new.html", context, status=status)


def _initial(query, selection):
    initial = {"template": EmailTemplate.objects.filter(stage="identified", audience="app_owners").first(),
               "name": query.get("name", "")[:200]}
    tag = Tag.objects.filter(pk=query["tag"]).first() if query.get("tag", "").isdigit() else None
    if tag:
        initial.update(source_kind=SourceKind.TAG, tag=tag, name=f"Makers of items tagged {tag}")
    elif query.get("app_filter") is not None or query.get("flow_filter") is not None:
        is_app = query.get("app_filter") is not None
        initial.update(source_kind=SourceKind.APP_FILTER if is_app else SourceKind.FLOW_FILTER,
                       filter_query=query.get("app_filter" if is_app else "flow_filter"))
    elif any(selection.values()) or query.get("source_kind") == SourceKind.SELECTION:
        initial.update(source_kind=SourceKind.SELECTION)
    return initial


def _reach(source):
    """Whom a campaign of `source` (the form's source fields) would write to; None while it names no items."""
    kind, tag = source.get("source_kind"), source.get("tag")
    if not kind or (kind == SourceKind.TAG and not tag):
        return None
    campaign = Campaign(source_kind=kind, tag=tag if kind == SourceKind.TAG else None,
                        filter_query=source.get("filter_query") or "", selection=source["selection"])
    try:
        return reach(campaign)
    except InvalidFilter:
        return None  # the form names the filter's error


def _counts(queryset, field, choices):
    """[(value, label, count)] for every choice, zeros included."""
    counts = dict(queryset.order_by().values_list(field).annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in choices.choices]


@role_required(*ADMIN)
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("template", "tag"), pk=pk)
    recipients = (campaign.recipients.select_related("maker").prefetch_related("items__app", "items__flow")
                  .order_by("email"))
    context = {
        "campaign": campaign, "source": describe_source(campaign),
        "delivery_rows": _counts(campaign.deliveries, "status", DeliveryStatus),
        # Per item: a maker may keep one item and migrate another (their last answer is not their only one).
        "answer_rows": _counts(RecipientItem.objects.filter(recipient__campaign=campaign).exclude(answer=""),
                               "answer", Answer),
        "answered_makers": campaign.recipients.exclude(answer="").count(),
        "failed": campaign.deliveries.filter(status=DeliveryStatus.FAILED).exists(),
        "recipients": recipients[:200], "recipient_count": campaign.recipients.count(),
    }
    context["in_progress"] = _in_progress(campaign, context["delivery_rows"])
    if request.htmx and not request.htmx.boosted:  # the progress polls itself while messages go out
        return render(request, "comms/inc/campaign_progress.html", context)
    if campaign.status == CampaignStatus.DRAFT:
        try:
            context["would_reach"] = reach(campaign)
        except InvalidFilter as exc:
            context["source_error"] = str(exc)
    return render(request, "comms/campaign_detail.html", context)


def _in_progress(campaign, delivery_rows):
    """Due to launch, launching, or with messages still to send (not a campaign scheduled for later)."""
    if campaign.status == CampaignStatus.LAUNCHING:
        return True
    if campaign.status == CampaignStatus.SCHEDULED:
        return campaign.send_at is None or campaign.send_at <= timezone.now()
    waiting = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    return any(count for value, _label, count in delivery_rows if value in waiting)


@role_required(*ADMIN)
@require_POST
def campaign_start(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaign_items(campaign)  # an inventory filter gone invalid would write to every maker
    except InvalidFilter as exc:
        return refuse(request, f"The campaign was not started: {exc}", back=campaign.get_absolute_url())
    with transaction.atomic():
        started = _start(request, campaign)
    if started:
        messages.success(request, _started_message(campaign))
    else:
        messages.error(request, "This campaign was already started.")
    return redirect(campaign)


def _start(request, campaign):
    """Schedule a draft campaign (now, or at its send_at) and audit it; False when it was already started."""
    started = campaigns.schedule_campaign(campaign)
    if started:
        audit.record(request, "comms.campaign.start", campaign, send_at=str(campaign.send_at or "now"))
    return started


def _started_message(campaign):
    return ("Scheduled: messages go out at the time set." if campaign.send_at else
            "Started: messages are being prepared and sent.")


@role_required(*ADMIN)
@require_POST
def campaign_retry(request, pk):
    """Queue the campaign's failed sends again."""
    campaign = get_object_or_404(Campaign, pk=pk)
    with transaction.atomic():
        ids = [delivery.pk for delivery in campaign.deliveries.filter(status=DeliveryStatus.FAILED)
               if delivery.requeue()]
        campaigns.enqueue_deliveries(ids)
        audit.record(request, "comms.campaign.retry", campaign, deliveries=len(ids))
    messages.success(request, f"{len(ids)} failed message{'s' if len(ids) != 1 else ''} queued again.")
    return redirect(campaign)


@role_required(*ADMIN)
@require_POST
def answer_reviewed(request, pk):
    recipient = get_object_or_404(Recipient, pk=pk)
    do_mark_reviewed(recipient, request)
    messages.success(request, f"Marked the answer of {recipient.email} as handled.")
    return redirect(safe_next(request, request.POST.get("next"), "comms:answer-queue"))


#
# An item's messages and answers (its owner, managers and admins)
#


@role_required(Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
def case_notice(request, pk):
    """HTMX: the item page's line saying when the owner of a clean-up case is (was) e-mailed."""
    case = get_object_or_404(CleanupCase.objects.select_related("app__owner", "flow__creator"), pk=pk)
    item = case.item
    if not type(item).objects.visible_to(request.user).filter(pk=item.pk).exists():
        raise Http404
    owner = getattr(item, item.owner_field)
    return render(request, "comms/inc/case_notice.html", comms_items.case_notice(case, owner))


@role_required(Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
def item_messages(request, kind, pk):
    model = {"app": App, "flow": Flow}.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model.objects.visible_to(request.user).select_related("environment"), pk=pk)
    # Managers browse every item, but read only their departments' answers: the API's rule.
    entries = (answers_visible_to(request.user, RecipientItem.objects.filter(**{kind: item}))
               .select_related("recipient__campaign").order_by("-recipient__campaign__created"))
    return render(request, "comms/item_messages.html", {"item": item, "kind": kind, "entries": entries})
