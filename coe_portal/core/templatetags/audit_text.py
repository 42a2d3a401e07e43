from django import template

from ..audit_text import sentence as audit_sentence

register = template.Library()


@register.filter
def sentence(entry):
    """An audit entry as the sentence its app registered (coe_portal/core/audit_text.py)."""
    return audit_sentence(entry)
