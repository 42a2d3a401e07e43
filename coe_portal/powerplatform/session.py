import requests

__all__ = ["CABundleSession"]


class CABundleSession(requests.Session):
    """A requests session that always verifies against its own CA bundle.

    requests lets REQUESTS_CA_BUNDLE override `session.verify` for calls that pass no
    `verify`, which is how msal calls; passing it on every call keeps the bundle we chose.
    """

    def __init__(self, ca_bundle=None, pool_size=16):
        super().__init__()
        self.verify = ca_bundle or True
        adapter = requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=pool_size)
        self.mount("https://", adapter)

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, **kwargs)
