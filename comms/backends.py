"""Mail transports behind one interface, chosen by COMMS_BACKEND: Django's e-mail or Graph sendMail."""

import smtplib
from email.utils import make_msgid

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

__all__ = ["DjangoBackend", "GraphBackend", "SendError", "get_backend"]


class SendError(Exception):
    """A send that failed; `temporary` says whether trying again later may work."""

    def __init__(self, reason, temporary=False, retry_after=None):
        super().__init__(reason)
        self.temporary, self.retry_after = temporary, retry_after


class DjangoBackend:
    """Sends through Django's EMAIL_BACKEND (SMTP in production, a file or console in the demo)."""

    def __enter__(self):
        self.connection = get_connection(fail_silently=False)
        self.connection.open()
        return self

    def __exit__(self, *exc):
        try:
            self.connection.close()
        except (OSError, smtplib.SMTPException):
            pass

    def send(self, delivery):
        """Send one delivery; return its Message-ID or raise SendError."""
        message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
        message = EmailMultiAlternatives(delivery.subject, delivery.body_text, settings.DEFAULT_FROM_EMAIL,
                                         _addresses(delivery.to), connection=self.connection,
                                         headers={"Message-ID": message_id, "X-CoE-Delivery": str(delivery.pk)})
        message.attach_alternative(delivery.body_html, "text/html")
        try:
            message.send()
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise SendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", temporary=400 <= exc.smtp_code < 500) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
            raise SendError(f"recipients refused: {exc.recipients}", temporary=temporary) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._reset()
            raise SendError(f"{type(exc).__name__}: {exc}", temporary=True) from exc
        return message_id

    def _reset(self):
        """Drop a connection left in an unknown state; the next send opens a fresh one."""
        self.__exit__()
        self.connection = get_connection(fail_silently=False)


class GraphBackend:
    """Microsoft Graph `POST /users/{sender}/sendMail` with an msal app-only token (Mail.Send)."""

    def __enter__(self):
        from coe_portal.powerplatform.auth import TokenProvider
        from coe_portal.powerplatform.session import CABundleSession

        self.base = settings.POWERPLATFORM_GRAPH_URL.rstrip("/")
        self.tokens = TokenProvider({self.base: settings.POWERPLATFORM_GRAPH_SCOPE})
        self.session = CABundleSession(settings.POWERPLATFORM_CA_BUNDLE)
        return self

    def __exit__(self, *exc):
        self.session.close()

    def send(self, delivery):
        url = f"{self.base}/v1.0/users/{settings.COMMS_SENDER}/sendMail"
        message_id = make_msgid(domain=settings.COMMS_SENDER.rpartition("@")[2] or None)
        body = {"message": {
            "subject": delivery.subject,
            "body": {"contentType": "HTML", "content": delivery.body_html},
            "toRecipients": [{"emailAddress": {"address": address}} for address in _addresses(delivery.to)],
            "internetMessageHeaders": [{"name": "X-CoE-Delivery", "value": str(delivery.pk)}],
        }, "saveToSentItems": False}
        from coe_portal.powerplatform.errors import PowerPlatformError

        try:
            response = self.session.post(url, json=body, timeout=30,
                                         headers={"Authorization": f"Bearer {self.tokens.token_for(url)}"})
        except (requests.RequestException, PowerPlatformError) as exc:
            raise SendError(f"Graph: {type(exc).__name__}: {exc}", temporary=True) from exc
        if response.status_code == 401:
            self.tokens.invalidate(url)
        if response.status_code != 202:
            retry_after = response.headers.get("Retry-After")
            temporary = response.status_code in (401, 429) or response.status_code >= 500
            raise SendError(f"Graph {response.status_code}: {response.text[:300]}", temporary=temporary,
                            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
        return message_id


def _addresses(to):
    return [address.strip() for address in to.split(",") if address.strip()]


def get_backend():
    return GraphBackend() if settings.COMMS_BACKEND == "graph" else DjangoBackend()
