"""HTTPS for the admin API calls: a urllib3 pool used directly.

The sync makes hundreds of requests a second from one process; requests' session layer
(environment and proxy merging, a CA-path check and adapter lookup per call) cost more CPU
than the HTTPS exchange itself. This keeps what the transport needs: verification against
our CA bundle, pooled keep-alive connections, proxies from the environment, and a timeout.
"""

import json
import ssl
import urllib.request
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3

__all__ = ["HttpConnectionError", "HttpResponse", "PooledHttp"]


class HttpConnectionError(ConnectionError):
    """The request got no HTTP answer: refused, reset, timed out, or TLS failed."""


class HttpResponse:
    """What the transport reads of an answer: status_code, headers, content, url, json(), text."""

    __slots__ = ("status_code", "headers", "content", "url")

    def __init__(self, status_code, headers, content, url):
        self.status_code, self.headers, self.content, self.url = status_code, headers, content, url

    def json(self):
        return json.loads(self.content)

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")


@lru_cache(maxsize=256)
def _proxy_for(scheme, host):
    """The proxy URL the environment (HTTPS_PROXY, NO_PROXY) sets for `host`, or None."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy


class PooledHttp:
    """Keep-alive HTTPS connections verified against `ca_bundle` (the system's CAs when None)."""

    def __init__(self, ca_bundle=None, pool_size=16, timeout=60):
        self.context = ssl.create_default_context(cafile=ca_bundle or certifi.where())
        options = {"ssl_context": self.context, "maxsize": pool_size, "block": False, "retries": False,
                   "timeout": urllib3.Timeout(total=timeout)}
        self.direct = urllib3.PoolManager(num_pools=16, **options)
        self.options = options
        self.proxied = {}

    def _manager(self, url):
        parts = urlsplit(url)
        proxy = _proxy_for(parts.scheme, parts.hostname or "")
        if proxy is None:
            return self.direct
        if proxy not in self.proxied:
            self.proxied[proxy] = urllib3.ProxyManager(proxy, num_pools=16, **self.options)
        return self.proxied[proxy]

    def request(self, method, url, params=None, json=None, headers=None, data=None):
        """Send one request (JSON, or raw bytes as `data`); return an HttpResponse, or raise HttpConnectionError."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        body = data
        headers = dict(headers or {})
        if json is not None:
            body = _dumps(json)
            headers["Content-Type"] = "application/json"
        try:
            answer = self._manager(url).request(method, url, body=body, headers=headers, redirect=False,
                                                preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise HttpConnectionError(f"{type(exc).__name__}: {exc}") from exc
        return HttpResponse(answer.status, answer.headers, answer.data, url)

    def close(self):
        self.direct.clear()
        for manager in self.proxied.values():
            manager.clear()


def _dumps(value):
    return json.dumps(value).encode()
