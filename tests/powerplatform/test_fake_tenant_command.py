"""`manage.py fake_tenant serve`: writes its settings once listening, answers, stops on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_serve_writes_settings_answers_and_stops_on_sigterm(tmp_path):
    settings_file = tmp_path / "fake-tenant.json"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fake_tenant", "serve", "--environments", "3", "--apps", "30", "--flows", "60",
         "--seed", "7", "--throttle", "fast", "--faults", "", "--tls-dir", str(tmp_path / "tls"),
         "--settings-file", str(settings_file)],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not settings_file.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no settings file"
            time.sleep(0.1)
        values = json.loads(settings_file.read_text())
        assert values["ENTRA_CA_BUNDLE"] == values["POWERPLATFORM_CA_BUNDLE"]
        ca = values["ENTRA_CA_BUNDLE"]
        token = requests.post(
            f"{values['ENTRA_AUTHORITY_HOST']}/{values['ENTRA_TENANT_ID']}/oauth2/v2.0/token", verify=ca, timeout=10,
            data={"grant_type": "client_credentials", "client_id": values["ENTRA_CLIENT_ID"],
                  "client_secret": values["ENTRA_CLIENT_SECRET"], "scope": "https://service.powerapps.com/.default"},
        ).json()["access_token"]
        answer = requests.get(
            f"{values['POWERPLATFORM_BAP_URL']}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
            "?api-version=2021-04-01", headers={"Authorization": f"Bearer {token}"}, verify=ca, timeout=10)
        assert len(answer.json()["value"]) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"POWERPLATFORM_FLOW_URL={values['POWERPLATFORM_FLOW_URL']}" in out
    assert not settings_file.exists()
