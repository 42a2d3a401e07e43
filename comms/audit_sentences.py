"""The item history's sentence for the owner's notice (registered with coe_portal.core.audit_text)."""

from coe_portal.core.audit_text import register

__all__ = ["SENTENCES"]

SENTENCES = {
    "cleanup.notice": "E-mail to the owner ({to}) queued: they are asked to answer by {answer_by}.",
}

register(SENTENCES)
