"""Render and queue a campaign to 10,000 makers, then send part of it to a local SMTP server
through real Celery workers under a configured rate.

Prints:
  BENCH comms_render seconds=S bound=10 ratio=S/10 makers=M messages=N
  BENCH comms_send achieved_per_min=A limit_per_min=L ratio=A/L messages=N duplicates=0 max_in_window=K

The achieved rate is measured at the SMTP server after the first window (which the limit lets
through at once): (messages after the first window) / (time from the first to the last).
"""

import argparse
import os
import sys
import time
import uuid

from bench.support import Workers, fresh_database, manage, wait

BOUND_SECONDS = 10


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--makers", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=400, help="messages of the campaign to send")
    parser.add_argument("--limit", type=int, default=50, help="messages per window")
    parser.add_argument("--window", type=int, default=5, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes sharing the limit")
    return parser.parse_args()


def main():
    options = parse()
    os.environ["DATABASE_URL"] = fresh_database("coe_bench_comms")
    env = dict(os.environ)
    manage(env, "migrate", "-v", "0")
    import logging

    from tests.support.smtp import SmtpSink

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command

    sink = SmtpSink().start()
    overrides = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                 "EMAIL_PORT": sink.port, "COMMS_BACKEND": "django", "COMMS_RATE_MESSAGES": options.limit,
                 "COMMS_RATE_WINDOW": options.window, "COMMS_DAILY_RECIPIENTS": 1_000_000}
    env.update({name: str(value) for name, value in overrides.items()})
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    import django

    django.setup()
    campaign = seed(options.makers)
    render_seconds, messages = timed_launch(campaign)
    print(f"BENCH comms_render seconds={render_seconds:.2f} bound={BOUND_SECONDS} "
          f"ratio={render_seconds / BOUND_SECONDS:.3f} makers={options.makers} messages={messages}")
    workers = Workers(env, concurrency=options.workers)
    try:
        send(campaign, options, sink, workers)
    finally:
        workers.stop()
        sink.stop()


def seed(count):
    """`count` makers with one or two tagged apps each, and a campaign about the tag."""
    from comms.choices import CampaignStatus
    from comms.models import Campaign, EmailTemplate
    from inventory.models import App, Environment, Maker, Tag

    started = time.monotonic()
    env = Environment.objects.create(env_id="Default-bench", display_name="Contoso (default)", is_default=True)
    tag = Tag.objects.create(name="Migrate", slug="migrate")
    makers = Maker.objects.bulk_create([Maker(entra_object_id=uuid.uuid4(), email=f"maker{n}@contoso.example",
                                              display_name=f"Maker {n}", department=f"Dept {n % 40}")
                                        for n in range(count)], batch_size=5000)
    apps = App.objects.bulk_create([App(app_id=str(uuid.uuid4()), environment=env, owner=maker,
                                        display_name=f"App {n}.{k}", open_url=f"https://apps.powerapps.com/play/{n}{k}")
                                    for n, maker in enumerate(makers) for k in range(1 + n % 2)], batch_size=5000)
    App.tags.through.objects.bulk_create([App.tags.through(app_id=app.pk, tag_id=tag.pk) for app in apps],
                                         batch_size=10_000)
    template = EmailTemplate.objects.get(stage="identified", audience="app_owners")
    campaign = Campaign.objects.create(name="Bench", template=template, tag=tag, status=CampaignStatus.SCHEDULED)
    print(f"seeded {count} makers and {len(apps)} apps in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return campaign


def timed_launch(campaign):
    from comms.services.campaigns import do_launch_campaign

    started = time.monotonic()
    messages = do_launch_campaign(campaign.pk, enqueue=False)
    return time.monotonic() - started, messages


def send(campaign, options, sink, workers):
    from comms.choices import DeliveryStatus
    from comms.models import Delivery
    from comms.services.campaigns import chunks
    from comms.services.sending import message_limit, recipient_limit
    from comms.tasks import send_deliveries

    message_limit().reset(), recipient_limit().reset()
    ids = list(campaign.deliveries.order_by("pk").values_list("pk", flat=True)[:options.send])
    batches = chunks(ids, max(100, len(ids) // (2 * options.workers)))
    for batch in batches:
        send_deliveries.delay(batch)
    for batch in batches[:1]:
        send_deliveries.delay(batch)  # a duplicated task, as a broker redelivery would cause
    wait(lambda: Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT).count() == len(ids), workers,
         timeout=600)
    time.sleep(1)
    report(sink, options, len(ids))


def report(sink, options, expected):
    times = sorted(arrived for arrived, _, _ in sink.messages)
    deliveries = [message["X-CoE-Delivery"] for _, _, message in sink.messages]
    duplicates = len(deliveries) - len(set(deliveries))
    window = options.window
    max_in_window = max(sum(1 for t in times[i:] if t - start < window) for i, start in enumerate(times))
    steady = times[options.limit:]
    achieved = 60 * len(steady) / (steady[-1] - times[0]) if len(steady) > 1 else 0.0
    limit_per_min = 60 * options.limit / window
    print(f"sent {len(times)} of {expected}", file=sys.stderr)
    print(f"BENCH comms_send achieved_per_min={achieved:.0f} limit_per_min={limit_per_min:.0f} "
          f"ratio={achieved / limit_per_min:.3f} messages={len(times)} duplicates={duplicates} "
          f"max_in_window={max_in_window}")


if __name__ == "__main__":
    main()
