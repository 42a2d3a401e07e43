"""A CA and a loopback server certificate, so the fakes serve real HTTPS."""

from pathlib import Path

import trustme

__all__ = ["ensure_certificates"]


def ensure_certificates(directory: Path):
    """Create (once) a CA and a certificate for 127.0.0.1/localhost; return (ca_pem, cert_pem, key_pem)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    if not all(path.exists() for path in paths):
        ca = trustme.CA(organization_name="CoE Portal fake tenant")
        cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
        ca.cert_pem.write_to_path(str(paths[0]))
        cert.cert_chain_pems[0].write_to_path(str(paths[1]))
        for pem in cert.cert_chain_pems[1:]:
            pem.write_to_path(str(paths[1]), append=True)
        cert.private_key_pem.write_to_path(str(paths[2]))
    return paths
