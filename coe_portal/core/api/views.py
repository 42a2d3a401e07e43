"""The API's own pages: each user's API tokens (made, shown once, revoked)."""

from datetime import timedelta

from django import forms
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import audit
from ..choices import Role
from ..permissions import role_required
from ..tokens import ApiToken

ANY_ROLE = (Role.COE_ADMIN, Role.MANAGER, Role.MAKER)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What the token is for")
    days = forms.IntegerField(min_value=1, max_value=365, initial=90, label="Expires after (days)")


@never_cache  # the page shows a new token's key: no browser or proxy may keep it
@role_required(*ANY_ROLE)
def token_list(request):
    """List the user's tokens; a POST makes one and shows its key this once."""
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            token, raw = ApiToken.issue(request.user, form.cleaned_data["name"],
                                        expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]))
            audit.record(request, "api_token.create", obj=token)
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    return render(request, "core/api_tokens.html", {"form": form, "tokens": tokens, "raw_key": raw,
                                                    "title": "API tokens"})


@require_POST
@role_required(*ANY_ROLE)
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    with transaction.atomic():
        token.revoke()
        audit.record(request, "api_token.revoke", obj=token)
    return redirect("api-tokens")


@csrf_exempt  # it changes nothing; without this a POST to an unknown path got the HTML CSRF page
def api_not_found(request, path=""):
    """Unknown paths under /api/ answer in JSON, as API clients expect, not with the HTML page."""
    return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)
