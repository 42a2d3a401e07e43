"""Microsoft Graph sendMail on the fake's Graph server: accepted messages land in `mailbox(tenant)`."""

import threading
from functools import partial

from .common import error
from .server import Response

__all__ = ["mailbox", "routes"]

_lock = threading.Lock()


def mailbox(tenant):
    """The messages the fake accepted: dicts of sender, to, subject, content type, body, headers."""
    with _lock:
        if not hasattr(tenant, "sent_mail"):
            tenant.sent_mail = []
        return tenant.sent_mail


def routes(ctx):
    return [("POST", r"(?i)/v1\.0/users/(?P<user>[^/]+)/sendMail", partial(send_mail, ctx), False)]


def send_mail(ctx, request, user):
    """POST users/{id | userPrincipalName}/sendMail: 202 with no body, as Graph answers."""
    try:
        body = request.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        return error(400, "ErrorInvalidRequest", "The request body must contain a 'message' object.")
    recipients = [entry.get("emailAddress", {}).get("address") for entry in message.get("toRecipients") or []]
    if not recipients or not all(recipients):
        return error(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
    if "@" not in user:
        return error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
    content = message.get("body") or {}
    headers = {header["name"]: header["value"] for header in message.get("internetMessageHeaders") or []}
    mailbox(ctx.tenant).append({"sender": user, "to": recipients, "subject": message.get("subject", ""),
                                "content_type": content.get("contentType", "Text"), "body": content.get("content", ""),
                                "headers": headers})
    return Response(202)
