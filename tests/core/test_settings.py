"""Settings come from the environment; misconfiguration is reported, not guessed around."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from coe_portal import settings as portal_settings

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    environment = {**os.environ, **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright; check --deploy rightly rejects it
    if "SECRET_KEY" in env:  # the embedded run's key file would win over it
        environment.pop("SECRET_KEY_FILE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


class TestEnvironmentHelpers:
    def test_envbool_rejects_unclear_values(self, monkeypatch):
        monkeypatch.setenv("SOME_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
            portal_settings.envbool("SOME_FLAG", False)

    def test_envint_rejects_text(self, monkeypatch):
        monkeypatch.setenv("SOME_NUMBER", "ten")
        with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be an integer"):
            portal_settings.envint("SOME_NUMBER", 1)

    def test_secret_is_read_from_a_file(self, monkeypatch, tmp_path):
        (tmp_path / "secret").write_text("from-a-file\n")
        monkeypatch.setenv("SOME_SECRET_FILE", str(tmp_path / "secret"))
        assert portal_settings.envstr("SOME_SECRET") == "from-a-file"


class TestDeployCheck:
    PRODUCTION = {
        "DEBUG": "false", "SECRET_KEY": "x" * 60 + "-Production-Key-!@#", "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true", "SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "31536000",
    }

    def test_check_deploy_is_clean_for_a_production_configuration(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **self.PRODUCTION)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_check_deploy_rejects_the_public_demo_key_of_earlier_versions(self):
        public = portal_settings.PUBLIC_DEMO_SECRET_KEY
        result = manage("check", "--deploy", **{**self.PRODUCTION, "SECRET_KEY": public})
        assert result.returncode != 0
        assert "coe_portal.E001" in result.stderr

    def test_half_configured_entra_is_an_error(self):
        result = manage("check", ENTRA_TENANT_ID="72f988bf-86f1-41af-91ab-2d7cd011db47", ENTRA_CLIENT_ID="")
        assert result.returncode != 0
        assert "coe_portal.E002" in result.stderr
