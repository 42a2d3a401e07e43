"""Log lines without credentials: an answer link's token never reaches the access or error log."""

import logging
import re

from gunicorn.glogging import Logger

__all__ = ["RedactingGunicornLogger", "RedactTokensFilter", "redact"]

# /comms/a/<token>/ as sent, and percent-encoded inside a ?next= of the sign-in page.
TOKEN_PATHS = re.compile(r"(/comms/a/|%2Fcomms%2Fa%2F)[^/%?&\s\"]+", re.IGNORECASE)


def redact(text):
    return TOKEN_PATHS.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """For Django's loggers (django.request logs "Bad Request: <path>")."""

    def filter(self, record):
        if record.args:
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        record.msg = redact(str(record.msg))
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's access log (`--logger-class coe_portal.core.logging.RedactingGunicornLogger`)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
