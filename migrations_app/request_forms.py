"""Forms of maker requests, admin decisions, waves and connection picking."""

from django import forms

from inventory.choices import MIGRATION_FILTER_CHOICES, Disposition

from .choices import SourceAction
from .models import Wave
from .services.connections import split_choices

__all__ = ["ConnectionsForm", "DecisionForm", "MyItemsFilterForm", "RequestForm", "WaveForm"]

DATE = forms.DateInput(attrs={"type": "date"})


class MyItemsFilterForm(forms.Form):
    """Search, filter and sort a maker's own items (GET: the address keeps them)."""

    ANY = [("", "Any")]
    SORTS = [("name", "Name"), ("kind", "Kind"), ("environment", "Environment"),
             ("recommendation", "Recommendation"), ("dlp", "DLP"), ("migration", "Migration"),
             ("-modified", "Last modified")]
    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name contains"}))
    kind = forms.ChoiceField(required=False, choices=ANY + [("app", "Apps"), ("flow", "Flows")])
    recommendation = forms.ChoiceField(required=False, choices=ANY + Disposition.choices)
    dlp = forms.ChoiceField(required=False, label="DLP (live policies)", choices=ANY + [
        ("broken", "Breaks a policy"), ("exempt", "Exempt"), ("ok", "Compliant")])
    migration = forms.ChoiceField(required=False, choices=ANY + MIGRATION_FILTER_CHOICES)
    sort = forms.ChoiceField(required=False, label="Sort by", choices=SORTS + [
        (f"-{value}", f"{label} (descending)") for value, label in SORTS if not value.startswith("-")] + [
        ("modified", "Last modified (oldest first)")])


class RequestForm(forms.Form):
    """A maker's request: where to, why, when suits them, and what happens to the original."""

    target = forms.ModelChoiceField(queryset=None, label="Target environment", empty_label="Choose an environment",
                                    help_text="Environments where no DLP policy would break these items",
                                    error_messages={"required": "Choose the environment to move the items to."})
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Who uses it and why it should move")
    preferred_from = forms.DateField(required=False, widget=DATE, label="Preferred window: from")
    preferred_to = forms.DateField(required=False, widget=DATE, label="Preferred window: to")
    source_action = forms.ChoiceField(choices=SourceAction.choices, initial=SourceAction.QUARANTINE,
                                      widget=forms.RadioSelect, label="The original, once the copy works")

    def __init__(self, *args, targets=(), labels=None, **kwargs):
        """Args: `labels` {environment pk: how the picker names it} (whose environment it is)."""
        super().__init__(*args, **kwargs)
        from inventory.models import Environment

        field = self.fields["target"]
        field.queryset = Environment.objects.filter(pk__in=[env.pk for env in targets]).order_by("display_name")
        field.label_from_instance = lambda env: (labels or {}).get(env.pk, env.display_name)

    def clean(self):
        data = super().clean()
        start, end = data.get("preferred_from"), data.get("preferred_to")
        if start and end and end < start:
            self.add_error("preferred_to", "The window ends before it starts.")
        return data


class DecisionForm(forms.Form):
    """Approve, reject or move to a wave the requests ticked in the queue."""

    ACTIONS = [("approve", "Approve"), ("reject", "Reject"), ("assign", "Put in wave")]
    action = forms.ChoiceField(choices=ACTIONS)
    wave = forms.ModelChoiceField(queryset=Wave.objects.filter(state="planned"), required=False,
                                  label="Put them in wave", empty_label="(no wave yet)")
    message = forms.CharField(required=False, max_length=2000, label="Message to the makers")
    pk = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Requests")

    def __init__(self, *args, request_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pk"].choices = [(pk, pk) for pk in request_ids]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("message") or "").strip():
            self.add_error("message", "Say why: the makers see this message.")
        if data.get("action") == "assign" and not data.get("wave"):
            self.add_error("wave", "Choose the wave.")
        return data


class WaveForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["name", "scheduled_start"]
        widgets = {"scheduled_start": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                          format="%Y-%m-%dT%H:%M")}


class ConnectionsForm(forms.Form):
    """One select per connection reference: the requester's connections in the target first, then other people's.

    Args:
        who: (object ids, e-mails) of the requester (services.connections.identity), to tell theirs apart.
    """

    def __init__(self, *args, refs=(), bindings=None, who=(set(), set()), **kwargs):
        super().__init__(*args, **kwargs)
        for ref in refs:
            mine, others = split_choices(ref["choices"], who)
            self.fields[ref["logical_name"]] = forms.ChoiceField(
                choices=[("", "Choose a connection")] + _grouped(mine, others),
                label=f"{ref['display_name']} ({ref['connector_id']})",
                initial=(bindings or {}).get(ref["logical_name"], ""), help_text=_why(ref, mine, others))


def _option(choice):
    return choice["id"], f"{choice['display_name']} ({choice['status']})"


def _grouped(mine, others):
    groups = [("Your connections", [_option(c) for c in mine])] if mine else []
    if others:
        groups.append(("Other people's connections (they run with that person's account)",
                       [_option(c) for c in others]))
    return groups


def _why(ref, mine, others):
    """What the picker offers, and why other people's connections are there (or not)."""
    if not mine and not others:
        return "No connection to this connector in the target yet: create one there, then press Check again."
    if not mine:
        return (f"You have no connection to {ref['connector_id']} in the target: only other people's are listed, "
                "and the items would run with their account. Better: create your own there, then press Check again.")
    if others:
        return (f"Yours first ({len(mine)}). {len(others)} of other people are listed after them: the items would run "
                "with that person's account, so pick one only with their agreement.")
    return "Your connections in the target; nobody else has one to this connector there."
