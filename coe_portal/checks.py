"""System checks that report misconfigured settings with a hint."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.PUBLIC_DEMO_SECRET_KEY in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        return [Error("SECRET_KEY is the public demo key of earlier versions.",
                      hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.",
                      id="coe_portal.E001")]
    return []


@register()
def check_entra(app_configs, **kwargs):
    configured = [bool(settings.ENTRA_TENANT_ID), bool(settings.ENTRA_CLIENT_ID)]
    if any(configured) and not all(configured):
        return [Error("Entra sign-in needs both ENTRA_TENANT_ID and ENTRA_CLIENT_ID.",
                      hint="Set both, or neither to use local sign-in only.", id="coe_portal.E002")]
    if all(configured) and not (settings.ENTRA_CLIENT_SECRET or settings.ENTRA_CLIENT_CERTIFICATE_PATH):
        return [Error("Entra is configured without a credential.",
                      hint="Set ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_PATH.", id="coe_portal.E003")]
    if not settings.LOCAL_LOGIN_ENABLED and not all(configured):
        return [Warning("Local sign-in is off and Entra is not configured: nobody can sign in.",
                        hint="Set ENTRA_* or LOCAL_LOGIN_ENABLED=true.", id="coe_portal.W001")]
    return []
