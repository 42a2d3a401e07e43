"""Write the audit log. Views call `record()`; a middleware catches any admin write they miss."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry

__all__ = ["client_ip", "record"]


def client_ip(request):
    # REMOTE_ADDR is the proxy's address behind a proxy; gunicorn's --forwarded-allow-ips
    # and the proxy set it right, so the header is not parsed here, where it can be forged.
    return request.META.get("REMOTE_ADDR") or None


def record(request, action, obj=None, actor=None, on_behalf_of="", **details):
    """Record that `actor` (default: the request's user) did `action` to `obj`.

    Args:
        request: the request that caused the action, or None for work done by a job.
        action: a dotted verb such as "role.assign" or "auth.login".
        on_behalf_of: who acted without a portal session, e.g. "answer link sent to ann@contoso.com".
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    entry = AuditEntry(
        actor=actor,
        actor_name=(actor.get_username() if actor else on_behalf_of or "system")[:150],
        action=action,
        details=details,
    )
    if obj is not None:
        entry.object_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    if request is not None:
        entry.ip_address = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        request.audited = True
    entry.save()
    return entry
