from django import forms

from coe_portal.core.filtering import InvalidFilter, strict_queryset
from inventory.filtersets import AppFilterSet, FlowFilterSet
from inventory.models import App

from .choices import SourceKind
from .models import Campaign, EmailTemplate

__all__ = ["AnswerForm", "CampaignForm", "EmailTemplateForm", "PreviewItemForm"]


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "stage", "audience", "subject", "body_text", "body_html"]
        widgets = {"body_text": forms.Textarea(attrs={"rows": 14, "class": "code"}),
                   "body_html": forms.Textarea(attrs={"rows": 14, "class": "code"})}


class PreviewItemForm(forms.Form):
    """The real item a preview renders against."""

    app = forms.ModelChoiceField(queryset=App.objects.filter(deleted_at__isnull=True).order_by("display_name"),
                                 required=False, label="Preview with app", widget=forms.NumberInput,
                                 help_text="The app's id; empty: the first app")

    def item(self):
        chosen = self.cleaned_data.get("app") if self.is_valid() else None
        return chosen or App.objects.filter(deleted_at__isnull=True).select_related("owner", "environment").first()


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "template", "source_kind", "tag", "filter_query", "send_at", "answer_by", "cadence_days",
                  "max_reminders", "reminder_template", "digest_template"]
        widgets = {"send_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                   "answer_by": forms.DateInput(attrs={"type": "date"}),
                   "selection": forms.HiddenInput}
        labels = {"source_kind": "Recipients", "filter_query": "Inventory filter"}

    def __init__(self, *args, selection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.selection = selection or {}

    def clean(self):
        data = super().clean()
        kind = data.get("source_kind")
        if kind == SourceKind.TAG and not data.get("tag"):
            self.add_error("tag", "Choose the tag whose items the campaign is about.")
        if kind in (SourceKind.APP_FILTER, SourceKind.FLOW_FILTER):
            filterset_class = AppFilterSet if kind == SourceKind.APP_FILTER else FlowFilterSet
            query = (data.get("filter_query") or "").lstrip("?")
            data["filter_query"] = query
            try:
                strict_queryset(filterset_class, query, filterset_class._meta.model.objects.none())
            except InvalidFilter as exc:
                self.add_error("filter_query", f"This filter is not valid: {exc.detail}")
        if kind == SourceKind.SELECTION and not any(self.selection.values()):
            self.add_error("source_kind", "No items are selected: check rows on the Apps or Flows list or a DLP "
                                          "impact list, then press Notify owners.")
        if data.get("cadence_days") and not data.get("max_reminders"):
            self.add_error("max_reminders", "Say how many reminders at most (the cadence stops after them).")
        return data

    def save(self, commit=True):
        self.instance.selection = self.selection if self.cleaned_data["source_kind"] == SourceKind.SELECTION else {}
        return super().save(commit)


class AnswerForm(forms.Form):
    items = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Which items")
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                    label="Business justification")

    def __init__(self, *args, recipient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(str(entry.pk), f"{entry.item} ({entry.kind})")
                                        for entry in recipient.items.select_related("app", "flow")]
        self.fields["items"].initial = [value for value, _ in self.fields["items"].choices]
