"""The self-check an admin runs after setup: can the portal reach what it depends on?"""

import redis
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection

from ..models import JobRun

__all__ = ["CHECKS", "run"]


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0].split(" on ")[0]


def check_redis():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
    return f"Redis {client.info('server')['redis_version']}"


def check_email():
    with get_connection(fail_silently=False):
        return settings.EMAIL_BACKEND.rsplit(".", 2)[-2] + " backend reachable"


def check_entra():
    if not (settings.ENTRA_TENANT_ID and settings.ENTRA_CLIENT_ID):
        return "not configured: local sign-in only"
    return f"tenant {settings.ENTRA_TENANT_ID}"


CHECKS = [
    ("Database", check_database),
    ("Redis", check_redis),
    ("Email", check_email),
    ("Entra ID", check_entra),
]


def run(job_id):
    """Run every check as the job's steps; a failing check is reported, the rest still run."""
    job = JobRun.objects.get(pk=job_id)
    if not job.claim():
        return
    results = {}
    job.advance("Worker picked up the check", done=0, total=len(CHECKS))
    for number, (name, check) in enumerate(CHECKS, start=1):
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as exc:  # a health check reports every failure rather than stopping
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
        job.advance(f"{name}: {results[name]['detail']}", done=number)
    if all(result["ok"] for result in results.values()):
        job.finish(results)
    else:
        failed = [name for name, result in results.items() if not result["ok"]]
        job.fail("Some checks failed: " + ", ".join(failed), result=results)
