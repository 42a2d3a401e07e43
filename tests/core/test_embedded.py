"""The embedded mode a new user starts with `make demo`, down to Ctrl-C."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from coe_portal.embedded.services import free_port
from coe_portal.embedded.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]


class TestSupervisor:
    def test_stop_ends_children_and_their_forks(self):
        supervisor = Supervisor()
        # A child that forks a grandchild, like gunicorn and celery do.
        child = supervisor.start("forker", [sys.executable, "-c",
                                            "import os, time\nif os.fork() == 0: time.sleep(60)\ntime.sleep(60)"])
        time.sleep(0.5)
        family = [child.pid] + [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        assert len(family) == 2
        supervisor.stop(timeout=5)
        time.sleep(0.2)
        assert not [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]

    def test_first_exited_names_the_child(self):
        supervisor = Supervisor()
        supervisor.start("quick", [sys.executable, "-c", "pass"]).wait()
        supervisor.start("slow", [sys.executable, "-c", "import time; time.sleep(30)"])
        assert supervisor.first_exited() == "quick"
        supervisor.stop()


@pytest.fixture
def demo_dir():
    """A directory outside pytest's: as root, PostgreSQL runs as another user who must reach it, and each new
    pytest session (another checkout's, say) closes pytest's own base directory to everyone but root again."""
    path = Path(tempfile.mkdtemp(prefix="coe-demo-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def descendants(pid):
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.timeout(240)
class TestDemo:
    def test_demo_starts_from_nothing_serves_users_and_stops_cleanly_on_ctrl_c(self, demo_dir):
        """A fresh var/ (as on a new machine): up, sign-in page served, then Ctrl-C leaves nothing."""
        tmp_path = demo_dir
        port = free_port()
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env.update(COE_VAR_DIR=str(tmp_path / "var"), COE_EMBEDDED_REDIS_PORT=str(free_port()))
        demo = subprocess.Popen([sys.executable, "-m", "coe_portal.embedded", "demo", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        output = []
        try:
            for line in demo.stdout:
                output.append(line)
                if "is ready at" in line or demo.poll() is not None:
                    break
            assert any(f"ready at http://127.0.0.1:{port}/" in line for line in output), "".join(output)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/") as response:
                assert response.status == 200
            passwords = json.loads((tmp_path / "var" / "demo-users.json").read_text())
            assert set(passwords) == {"admin", "maker", "manager"}
            assert all(f"{user:8} / {password}" in "".join(output) for user, password in passwords.items())
            family = descendants(demo.pid)
            names = {" ".join(p.cmdline()) for p in family}
            assert any("gunicorn" in n for n in names) and any("worker" in n for n in names)
            assert any("beat" in n for n in names) and any("redis-server" in n for n in names)
            commands = [(p, " ".join(p.info["cmdline"] or [])) for p in psutil.process_iter(["cmdline"])]
            postgres = [p for p, command in commands if str(tmp_path) in command and "postgres" in command]
            assert postgres, "the embedded postgres is running"
            # Ctrl-C in a terminal signals the whole foreground process group.
            os.killpg(demo.pid, signal.SIGINT)
            demo.wait(timeout=60)
            time.sleep(0.5)
            alive = [p for p in family + postgres if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            assert not alive, f"left running: {[p.cmdline() for p in alive]}"
        finally:
            if demo.poll() is None:
                os.killpg(demo.pid, signal.SIGKILL)
