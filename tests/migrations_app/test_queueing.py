"""Move work has a queue of its own, where the starts of a wave wait behind the jobs already under way."""

import pytest
from django.conf import settings

from coe_portal.celery import app
from migrations_app.tasks import export_legacy_package, run_migration_job, start_migration_job


@pytest.fixture
def migration_queue():
    """The migration queue in the test Redis, empty before and after."""
    def purge():
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(settings.MIGRATION_QUEUE)

    purge()
    yield
    purge()


def taken_in_order():
    """[(task name, first argument)] in the order a worker takes them from the migration queue."""
    taken = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(settings.MIGRATION_QUEUE)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                taken.append((message.headers["task"].rsplit(".", 1)[-1], message.payload[0][0]))
                message.ack()
        finally:
            queue.close()
    return taken


def test_a_job_that_goes_on_is_taken_before_the_starts_of_a_wave_queued_earlier(migration_queue):
    for job_id in (1, 2, 3):
        start_migration_job(job_id)
    run_migration_job.delay(99)  # as after a person picked its connections, a retry or a poll
    export_legacy_package.delay(7)
    assert taken_in_order() == [("run_migration_job", 99), ("export_legacy_package", 7),
                                ("run_migration_job", 1), ("run_migration_job", 2), ("run_migration_job", 3)]
