from django import forms
from django.core.exceptions import ObjectDoesNotExist

from inventory.models import Environment, PagesSite

from .choices import ItemStatus
from .models import ChecklistItem, CopyEnvironmentPlan, PortalMovePlan, TenantMovePlan
from .services.plans.actions import rejections_for
from .services.plans.usermapping import FILENAME, parse_rules

__all__ = ["ChecklistItemForm", "ConfirmCopyForm", "CopyPlanForm", "PortalMovePlanForm", "TenantMovePlanForm",
           "UsermappingUploadForm"]

# Rule messages name fields of the plan; those without a field of their own show on the form.
FIELD_ALIASES = {"source": "source_site"}


def live_environments():
    return Environment.objects.filter(deleted_at__isnull=True)


class RulesForm(forms.ModelForm):
    """A plan form that also checks the plan's rules, showing each rejection on its field."""

    def _post_clean(self):
        super()._post_clean()
        try:
            rejections = rejections_for(self.instance)
        except ObjectDoesNotExist:
            return  # a field the rules read is missing; its own error says so
        for rejection in rejections:
            field = FIELD_ALIASES.get(rejection.field, rejection.field)
            self.add_error(field if field in self.fields else None, rejection.message)


class CopyPlanForm(RulesForm):
    class Meta:
        model = CopyEnvironmentPlan
        fields = ["title", "source", "target", "level", "security_group_id", "copy_audit_data"]
        labels = {"source": "Source environment (copied from)", "target": "Target environment (overwritten)",
                  "level": "Copy over level", "security_group_id": "Security group id",
                  "copy_audit_data": "Copy audit data"}
        widgets = {"level": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = live_environments()
        self.fields["target"].queryset = live_environments()


class TenantMovePlanForm(RulesForm):
    class Meta:
        model = TenantMovePlan
        fields = ["title", "environment", "destination_tenant", "source_cloud", "destination_cloud", "domain_rules"]
        labels = {"environment": "Environment to move", "domain_rules": "Domain rewrite rules"}
        widgets = {"domain_rules": forms.Textarea(attrs={"rows": 3, "placeholder": "contoso.com=fabrikam.com"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["environment"].queryset = live_environments()

    def clean_domain_rules(self):
        text = self.cleaned_data["domain_rules"]
        try:
            parse_rules(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text


class PortalMovePlanForm(RulesForm):
    class Meta:
        model = PortalMovePlan
        fields = ["title", "source_site", "target_environment", "source_template", "target_template",
                  "source_language", "target_language", "source_version", "target_version", "cross_tenant",
                  "download_path"]
        labels = {"source_site": "Source portal", "cross_tenant": "The target is in another tenant",
                  "download_path": "Local folder for the download"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_site"].queryset = PagesSite.objects.filter(deleted_at__isnull=True).select_related(
            "environment")
        self.fields["target_environment"].queryset = live_environments()


class ConfirmCopyForm(forms.Form):
    confirmation = forms.CharField(label="Type the target environment's name to confirm", max_length=200)


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["owner", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = ItemStatus.choices


class UsermappingUploadForm(forms.Form):
    file = forms.FileField(label=f"{FILENAME} file", help_text=f"Named {FILENAME}, columns Source and Destination.")
