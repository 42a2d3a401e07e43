"""Whose connections a connection reference may use: the requester's own first, then other people's.

A connection runs with the credentials of the person who made it, so a maker should pick their own;
another person's is listed only with that said.
"""

from inventory.models import Maker

__all__ = ["identity", "split_choices"]


def identity(user):
    """(Entra object ids, e-mail addresses) of the inventory makers `user` is, lower-cased."""
    rows = Maker.objects.for_user(user).values_list("entra_object_id", "email", "user_principal_name")
    oids = {str(oid).lower() for oid, _, _ in rows if oid}
    emails = {address.lower() for _, email, upn in rows for address in (email, upn) if address}
    if user.email:
        emails.add(user.email.lower())
    return oids, emails


def split_choices(choices, who):
    """([the requester's connections], [other people's]) of one reference's choices; `who` from identity()."""
    oids, emails = who
    mine, others = [], []
    for choice in choices:
        theirs = (str(choice.get("created_by") or "").lower() in oids
                  or str(choice.get("created_by_email") or "").lower() in emails)
        (mine if theirs else others).append(choice)
    return mine, others
