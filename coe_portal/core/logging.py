"""Log lines without credentials or noise: no answer-link token, no traceback for a 403."""

import logging
import re

from gunicorn.glogging import Logger

__all__ = ["OneLineForbiddenFilter", "RedactTokensFilter", "RedactingGunicornLogger", "redact"]

# /comms/a/<token>/ as sent, and percent-encoded inside a ?next= of the sign-in page.
TOKEN_PATHS = re.compile(r"(/comms/a/|%2Fcomms%2Fa%2F)[^/%?&\s\"]+", re.IGNORECASE)


def redact(text):
    return TOKEN_PATHS.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """For Django's loggers (django.request logs "Bad Request: <path>")."""

    def filter(self, record):
        if isinstance(record.args, dict):  # "%(name)s" formatting, as Celery logs
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redacted(arg) for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class OneLineForbiddenFilter(logging.Filter):
    """django.request's "Forbidden (Permission denied): <path>" in one line: a refused page is an
    everyday event, not worth the full traceback Django attaches."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's access log (`--logger-class coe_portal.core.logging.RedactingGunicornLogger`)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
