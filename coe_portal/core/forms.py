from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from .choices import Role

__all__ = ["AdminSignInForm", "RolesForm", "SignInForm", "ThrottledSignInMixin"]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple)


class ThrottledSignInMixin:
    """Refuse sign-in while the account or the address is throttled (core.services.signin), with a clear
    message; count each failure. For the portal's and Django admin's login forms."""

    throttled_message = ("Too many failed sign-ins for this account or from this address. "
                         "Wait {minutes} minutes, then try again.")

    def clean(self):
        from .services import signin

        username = self.cleaned_data.get("username")
        if signin.is_throttled(self.request, username):
            raise forms.ValidationError(self.throttled_message.format(
                minutes=max(1, settings.SIGNIN_WINDOW_SECONDS // 60)), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            signin.record_failure(self.request, username)
            raise
        signin.record_success(self.request, username)
        return cleaned


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass
