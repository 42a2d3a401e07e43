import re

from django import forms

from .choices import CleanupMode
from .filter_choices import KeptModelChoiceField
from .models import Tag, TagRule, TriageSettings

__all__ = ["BatchConfirmForm", "BulkCleanupForm", "BulkTagForm", "CleanupStartForm", "DeleteBatchForm", "ImportForm",
           "InUseOverrideForm", "TagForm", "TagMergeForm", "TagRuleForm", "TriageSettingsForm"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="The DLP editor's apps.csv or flow.csv, or a CSV export of a CoE Starter Kit inventory table.")


class TagForm(forms.ModelForm):
    """Create, rename, recolour or describe a tag."""

    class Meta:
        model = Tag
        fields = ["name", "colour", "description"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def clean_colour(self):
        colour = self.cleaned_data["colour"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise forms.ValidationError("Give a colour as #rrggbb, for example #0f6cbd.")
        return colour.lower()


class TagMergeForm(forms.Form):
    into = forms.ModelChoiceField(queryset=None, label="Merge into")

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Tag.objects.exclude(pk=source.pk)


class TagRuleForm(forms.ModelForm):
    """A tag rule; `value` must suit the kind (a number of days or users, or a name)."""

    NUMERIC = ("inactive", "shared")

    class Meta:
        model = TagRule
        fields = ["name", "tag", "kind", "value", "target", "enabled"]

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), (data.get("value") or "").strip()
        if kind in self.NUMERIC and not value.isdigit():
            self.add_error("value", "Give a whole number of days or users, for example 90.")
        elif kind not in self.NUMERIC + ("default_env", "excel_sharepoint") and kind and not value:
            self.add_error("value", "Give the connector id, department or location to match.")
        return data


class TriageSettingsForm(forms.ModelForm):
    class Meta:
        model = TriageSettings
        fields = ["shared_users_threshold", "sharepoint_shared_threshold", "inactive_days", "delete_after_days",
                  "grace_days"]


class BulkTagForm(forms.Form):
    """Apply or remove a tag on the checked rows, or on every row the current filters match."""

    tag = KeptModelChoiceField(queryset=None, required=False, label="Tag to apply")
    new_tag = forms.CharField(max_length=100, required=False, label="or a new tag")
    action = forms.ChoiceField(choices=[("add", "Add tag"), ("remove", "Remove tag")], label="Bulk action")
    scope = forms.ChoiceField(choices=[("selected", "Checked rows"), ("all", "Every row the filters match")])
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kept_tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.all()
        self.fields["tag"].kept = kept_tags  # the list filters' tags, when the page has them

    def clean(self):
        data = super().clean()
        if not data.get("tag") and not (data.get("new_tag") or "").strip():
            raise forms.ValidationError("Choose a tag or name a new one.")
        return data


class DeleteBatchForm(forms.Form):
    """A CSV of app and flow ids to delete without a backup, and why."""

    file = forms.FileField(label="CSV of ids", help_text="A header row naming an id column (id, app id or flow id); "
                           "optional columns: environment id, kind (app or flow).")
    reason = forms.CharField(max_length=300, label="Reason for deleting without a backup")


class InUseOverrideForm(forms.Form):
    """The explicit go-ahead for a clean-up that includes items in use (inventory/services/usage_guard.py)."""

    override = forms.BooleanField(required=False, label="Clean up the items in use too")
    override_reason = forms.CharField(max_length=300, required=False, label="Why clean up items that are in use",
                                      widget=forms.Textarea(attrs={"rows": 2}))


class BatchConfirmForm(InUseOverrideForm):
    typed = forms.CharField(max_length=40, label="Type the confirmation phrase")


class BulkCleanupForm(InUseOverrideForm):
    """Quarantine (apps) or stop (flows) the checked rows, or every row the list's filters match."""

    scope = forms.ChoiceField(choices=[("selected", "Checked rows"), ("all", "Every row the filters match")],
                              label="Quarantine or stop")
    query = forms.CharField(required=False, widget=forms.HiddenInput)


GRACE_CHOICES = (7, 14, 30, 60, 90)


def grace_choices(default_days):
    """The grace periods an admin may choose, the triage settings' default among them, labelled by days."""
    days = sorted({*GRACE_CHOICES, default_days})
    return [(n, f"{n} days{' (default)' if n == default_days else ''}") for n in days]


class CleanupStartForm(forms.Form):
    """Quarantine an app / stop a flow with the grace period chosen, or delete it only (with a reason)."""

    mode = forms.ChoiceField(choices=CleanupMode.choices, initial=CleanupMode.QUARANTINE)
    grace_days = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Grace period",
                                        help_text="How long the owner has to answer before the item is backed up "
                                                  "and deleted")
    reason = forms.CharField(max_length=300, required=False, label="Reason for deleting without a backup")

    def __init__(self, *args, triage=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_grace = (triage or TriageSettings.current()).grace_days
        self.fields["grace_days"].choices = grace_choices(self.default_grace)
        self.fields["grace_days"].initial = self.default_grace

    def clean(self):
        data = super().clean()
        if data.get("mode") == CleanupMode.DELETE_ONLY and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the item is deleted without a backup.")
        if data.get("mode") == CleanupMode.QUARANTINE and not data.get("grace_days"):
            data["grace_days"] = self.default_grace  # none chosen (a script's POST): the triage settings'
        return data
