"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

import email
import socket
import threading
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller

__all__ = ["SmtpSink", "point_email_at", "smtp_server"]


class SmtpSink:
    """Collects (arrival time, envelope recipients, parsed message); can refuse recipients on purpose."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()
        self.refuse = {}  # address -> SMTP reply, e.g. "450 mailbox busy"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((time.monotonic(), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [message for _, rcpts, message in self.messages if address in rcpts]

    def start(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def point_email_at(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""


@pytest.fixture
def smtp_server(settings):
    """A started SmtpSink; Django's e-mail settings point at it."""
    sink = SmtpSink().start()
    point_email_at(settings, sink)
    yield sink
    sink.stop()
