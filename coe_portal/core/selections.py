"""A set of apps and flows one page hands to the next (e.g. a DLP impact list to the campaign form).

The ids travel in the signed-in user's session, under a short key the next page's address
carries: a query string holds a page of ids at most (gunicorn reads request lines up to 4 KB,
Django takes 1,000 form fields), and the items a DLP draft would newly break can be thousands.
"""

import secrets

__all__ = ["stash_selection", "stashed_selection"]

SESSION_KEY = "selections"
KEPT = 5  # a few tabs' worth; the oldest goes first


def stash_selection(request, apps, flows):
    """Keep {"app": [ids], "flow": [ids]} for this user; return the key that reads it back."""
    key = secrets.token_urlsafe(8)
    kept = request.session.get(SESSION_KEY, {})
    kept = dict(list(kept.items())[-(KEPT - 1):])
    kept[key] = {"app": sorted(set(apps)), "flow": sorted(set(flows))}
    request.session[SESSION_KEY] = kept
    return key


def stashed_selection(request, key):
    """The selection stashed under `key` by this user, or None (an unknown or expired key)."""
    found = request.session.get(SESSION_KEY, {}).get(key) if key else None
    return {"app": list(found["app"]), "flow": list(found["flow"])} if found else None
