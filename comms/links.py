"""Signed, expiring, per-recipient answer links.

They are signed with a key of their own, derived from SECRET_KEY (and from each of
SECRET_KEY_FALLBACKS, so links sent before a rotation keep working until the old key is dropped).
"""

import uuid
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .choices import Answer

__all__ = ["BadLink", "answer_url", "make_token", "read_token"]

SALT = "comms.answer-link"


class BadLink(ValueError):
    """A link that was tampered with, expired, or names an unknown answer."""


def _signer():
    return signing.TimestampSigner(key=_link_key(settings.SECRET_KEY), salt=SALT,
                                   fallback_keys=[_link_key(key) for key in settings.SECRET_KEY_FALLBACKS])


@lru_cache(maxsize=8)
def _link_key(secret):
    """The answer links' own signing key: knowing one link's key gives nothing else signed by SECRET_KEY."""
    return salted_hmac("comms.answer-link.key", "v1", secret=secret, algorithm="sha256").hexdigest()


def make_token(code, answer):
    """`<code hex>.<answer>` with a timestamp and signature: short enough for a line of text mail."""
    return _signer().sign(f"{uuid.UUID(str(code)).hex}.{answer}")


def read_token(token):
    """(recipient code, answer) from a token; BadLink when forged, expired or malformed."""
    try:
        value = _signer().unsign(token, max_age=settings.COMMS_ANSWER_LINK_DAYS * 86400)
        code_hex, answer = value.split(".", 1)
        code = uuid.UUID(hex=code_hex)
    except signing.SignatureExpired as exc:
        raise BadLink("This link has expired. Ask the CoE team for a new message.") from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise BadLink("This link is not valid. Copy the whole address from the message.") from exc
    if answer not in Answer.values:
        raise BadLink("This link names an unknown answer.")
    return code, answer


def answer_url(code, answer):
    return _url_prefix(settings.SITE_URL) + make_token(code, answer) + "/"


@lru_cache(maxsize=8)
def _url_prefix(site_url):
    """The link up to the token: reverse() once, not for each of a campaign's 40,000 links."""
    marker = "TOKEN"
    return site_url + reverse("comms:answer", kwargs={"token": marker}).removesuffix(f"{marker}/")
