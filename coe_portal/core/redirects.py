"""Where a `next` parameter may send the browser after an action or a sign-in: only within the portal."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

__all__ = ["safe_next"]


def safe_next(request, target, default):
    """`target` when it is a path or an http(s) URL on this portal's own host, else `default` resolved.

    Refuses `https://evil.example/`, `//evil.example/x` and `javascript:...` alike.
    """
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(default)
