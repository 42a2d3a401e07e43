"""What one admin API request costs the client in CPU: the sync's per-request path, measured alone.

The fake tenant runs in a process of its own (`manage.py fake_tenant serve`, no throttle), so
the CPU time of this process is the client's: pacing through Redis, the token, the HTTPS
request, JSON parsing and record parsing of flow details, from 8 threads as a sync task does.

Prints:
  BENCH client_cpu requests=N cpu_seconds=C requests_per_cpu_s=N/C wall_requests_per_s=W
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.support import ROOT


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=8)
    return parser.parse_args()


def start_fake(settings_file):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fake_tenant", "serve", "--environments", "5", "--apps", "100", "--flows",
         "2000", "--settings-file", str(settings_file)], cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not settings_file.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the fake tenant did not start")
        time.sleep(0.2)
    return process, json.loads(settings_file.read_text())


def main():
    options = parse()
    settings_file = Path(tempfile.mkdtemp()) / "fake.json"
    fake, values = start_fake(settings_file)
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
        import django

        django.setup()
        from django.conf import settings

        for name, value in values.items():
            setattr(settings, name, value)
        settings.POWERPLATFORM_QUOTA_REQUESTS = 10**9
        from coe_portal.powerplatform.client import PowerPlatformClient

        client = PowerPlatformClient(max_concurrency=options.threads)
        env_page = client.environment_page(client.environments_url())
        flows = []
        for env in env_page.records:
            url = client.flows_url(env.env_id)
            while url and len(flows) < options.requests:
                page = client.flow_page(url)
                flows += [(env.env_id, flow.flow_id) for flow in page.records]
                url = page.next_url
        calls = [flows[i % len(flows)] for i in range(options.requests)]
        client.flow_detail(*calls[0])  # tokens and connections warm
        cpu, wall = time.process_time(), time.monotonic()
        with ThreadPoolExecutor(options.threads) as pool:
            list(pool.map(lambda call: client.flow_detail(*call), calls))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    finally:
        os.killpg(fake.pid, 15)
        fake.wait(30)
    print(f"BENCH client_cpu requests={options.requests} cpu_seconds={cpu:.2f} "
          f"requests_per_cpu_s={options.requests / cpu:.0f} wall_requests_per_s={options.requests / wall:.0f}")


if __name__ == "__main__":
    main()
