"""Finding 4 of issue 21: the demo ran with the public default SECRET_KEY (an answer link forged with it
was accepted), the container served without a deployment check, and check --deploy warned five times."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from django.core import signing
from django.test import override_settings

from coe_portal import settings as portal_settings
from coe_portal.embedded.__main__ import ensure_secret_key
from comms.links import SALT, BadLink, make_token, read_token

ROOT = Path(__file__).resolve().parents[2]
CODE = "0" * 32


def manage(*args, **env):
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("SECRET_KEY", "SECRET_KEY_FILE", "COE_EMBEDDED", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**environment, **env},
                          capture_output=True, text=True, timeout=120)


def env_example():
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    return values


def test_finding4_an_answer_link_forged_with_the_public_default_key_is_refused():
    forged = signing.TimestampSigner(key=portal_settings.PUBLIC_DEMO_SECRET_KEY, salt=SALT).sign(f"{CODE}.keep")
    try:
        read_token(forged)
        raise AssertionError("a link signed with the public key was accepted")
    except BadLink:
        pass


def test_finding4_answer_links_have_their_own_key_derived_from_secret_key(settings):
    with_secret_key_itself = signing.TimestampSigner(salt=SALT).sign(f"{CODE}.keep")
    try:
        read_token(with_secret_key_itself)
        raise AssertionError("a link signed with SECRET_KEY itself was accepted")
    except BadLink:
        pass
    token = make_token(CODE, "keep")
    assert read_token(token)[1] == "keep"
    with override_settings(SECRET_KEY="rotated-" + "k" * 50, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert read_token(token)[1] == "keep"  # sent before the rotation: valid while the old key is a fallback
    with override_settings(SECRET_KEY="rotated-" + "k" * 50, SECRET_KEY_FALLBACKS=[]):
        try:
            read_token(token)
            raise AssertionError("a link of a dropped key was accepted")
        except BadLink:
            pass


def test_finding4_nothing_starts_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_finding4_the_demo_generates_its_key_once_under_var(tmp_path):
    path = ensure_secret_key(tmp_path / "var" / "secret_key")
    key = path.read_text()
    assert len(key) >= 50 and key != portal_settings.PUBLIC_DEMO_SECRET_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret_key(path).read_text() == key  # kept: a second demo keeps its sessions


def test_finding4_check_deploy_is_clean_with_the_production_values_of_env_example():
    values = {name: value for name, value in env_example().items() if value}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **values, SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_finding4_the_container_runs_the_deployment_check_before_gunicorn():
    command = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    assert command.index("check --deploy --fail-level WARNING") < command.index("gunicorn")
    assert "&&" in command
