"""A wave whose last two jobs finish at the same moment is closed by one of them."""

import threading

import pytest
from django.db import connection, transaction

from inventory.models import Environment
from migrations_app.models import MigrationRequest, Wave
from migrations_app.services.pipeline import runner


@pytest.mark.django_db(transaction=True)
def test_the_last_two_jobs_of_a_wave_finishing_together_close_it(maker):
    target = Environment.objects.create(env_id="env-fin", display_name="Finance")
    wave = Wave.objects.create(name="June wave", state="running")
    first, second = (MigrationRequest.objects.create(requested_by=maker, target=target, reason="r", state="running",
                                                     wave=wave) for _ in range(2))
    checked = threading.Event()

    def finish_first():  # as the first job's clean-up transaction: done, wave checked, commit a moment later
        try:
            with transaction.atomic():
                MigrationRequest.objects.filter(pk=first.pk).update(state="done")
                runner._close_wave(wave.pk)
                checked.set()
                threading.Event().wait(0.5)  # the second job finishes meanwhile
        finally:
            checked.set()
            connection.close()

    worker = threading.Thread(target=finish_first)
    worker.start()
    checked.wait(10)
    with transaction.atomic():
        MigrationRequest.objects.filter(pk=second.pk).update(state="done")
        runner._close_wave(wave.pk)
    worker.join(10)
    assert Wave.objects.get(pk=wave.pk).state == "done"
