"""Start child processes and stop every one of them, in reverse order, on exit or Ctrl-C."""

import ctypes
import os
import signal
import subprocess
import time

__all__ = ["Supervisor"]

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child before exec: if the supervisor is killed outright (SIGKILL), the
    # kernel sends the child SIGTERM, so no worker or server outlives it.
    os.setpgrp()
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Owns child processes; `stop()` ends them newest first, SIGTERM then SIGKILL."""

    def __init__(self):
        self.children = []

    def start(self, name, args, env=None, **kwargs):
        process = subprocess.Popen(args, env=env, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL, **kwargs)
        self.children.append((name, process))
        return process

    def adopt(self, name, process):
        self.children.append((name, process))

    def first_exited(self):
        """Return the name of a child that has exited, or None."""
        for name, process in self.children:
            if process.poll() is not None:
                return name
        return None

    def stop(self, timeout=15):
        for _name, process in reversed(self.children):
            if process.poll() is None:
                # Signal the child's process group: gunicorn and celery workers fork.
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _name, process in reversed(self.children):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self.children.clear()


def _signal_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        process.send_signal(sig)
