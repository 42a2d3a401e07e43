"""Flow runs and agent conversations, as steps of a `usage_runs` sync run (usage-apis.md sections 2 and 4).

Solution-aware flows in an environment with Dataverse are read from its `flowruns` table, many
flows a page, unless the org reports that it skipped runs (`flowevent` FlowRunIngestion); every
other flow from the run-history API, one flow at a time, in batches. Counts are per flow and day:
each read replaces the days it covers (from the start of the day it resumes), so reading a day twice
never counts it twice. A page's writes and its task's completion commit together.
"""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from coe_portal.powerplatform.errors import ApiError
from coe_portal.powerplatform.usage import parse_time
from inventory.choices import FlowState
from inventory.models import Bot, Environment, Flow

from ..models import AgentConversationDay, FlowRunDay, FlowRunState, UsageSource

__all__ = ["STEPS", "RUN_HISTORY", "DATAVERSE"]

RUN_HISTORY, DATAVERSE = "run history", "Dataverse"
FLOW_BATCH = 50
RESUME_BEFORE = timedelta(hours=6)  # runs still going at the last read are read again
WINDOW_DAYS = 7  # an org's flowruns are read in windows this long, side by side


def _day_start(moment):
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _retention():
    return timedelta(days=settings.USAGE_RUN_RETENTION_DAYS)


def _since(through, now):
    """Where a read resumes: a little before the last read, not past the history's retention, at a day's start."""
    floor = now - _retention()
    return _day_start(max(floor, through - RESUME_BEFORE) if through else floor)


def _known_since(state, now):
    """A read keeps the coverage going unless the last one is older than the history holds."""
    if state is None or now - state.through > _retention():
        return now - _retention()
    return state.known_since


def source(key, label):
    return UsageSource.objects.get_or_create(key=key, defaults={"label": label})[0]


def start(task, client):
    """Schedule the Dataverse reads, the run-history batches, the conversations and Advisor."""
    from inventory.services.sync import schedule_many

    now = timezone.now()
    task.args["at"] = now.isoformat()
    task.save(update_fields=["args"])
    states = dict(FlowRunState.objects.values_list("flow_guid", "through"))
    flows = Flow.objects.filter(deleted_at=None).values_list("flow_id", "environment_id", "state", "modified_time",
                                                             "is_solution_aware")
    by_dataverse = set(Environment.objects.filter(deleted_at=None).exclude(dataverse_url="")
                       .values_list("pk", flat=True))
    history, dataverse = defaultdict(list), set()
    for flow_id, env, state, modified, solution in flows:
        through = states.get(flow_id)
        # A flow that is off cannot run: it is read once after it stopped, to learn its last runs.
        if state != FlowState.STARTED and through is not None and modified and through >= modified:
            continue
        if solution and env in by_dataverse and state == FlowState.STARTED:
            dataverse.add(env)
        else:
            history[env].append(flow_id)
    # An org's flowruns are a chain of pages on another quota than the run history: spread among the
    # run-history batches, they use the CPU while those wait for their quota, instead of after them.
    specs = []
    for env in sorted(history.keys() | dataverse):
        if env in dataverse:
            specs.append(("usage_dataverse_check", {"env": env}, f"usage_dataverse_check:{env}"))
        ids = history.get(env, [])
        specs += [("usage_flow_runs", {"env": env, "flows": ids[i:i + FLOW_BATCH]}, f"usage_flow_runs:{env}:{i}")
                  for i in range(0, len(ids), FLOW_BATCH)]
    bots = Bot.objects.filter(deleted_at=None, environment__in=by_dataverse).values_list("environment_id", flat=True)
    specs += [("usage_conversations", {"env": env, "url": None, "page": 1}, f"usage_conversations:{env}:1")
              for env in sorted(set(bots))]
    specs.append(("usage_advisor", {}, "usage_advisor"))
    schedule_many(task.run, specs)


def _tally(runs, key=lambda run: run[0]):
    """{(flow, day): [runs, succeeded, failed, last run, last success, last failure]} from (flow, start, outcome)
    tuples; times stay the service's text until the end (one format per source, so text order is time order)."""
    days = {}
    for run in runs:
        _, start, succeeded = run
        row = days.get((key(run), start[:10]))
        if row is None:
            row = days[(key(run), start[:10])] = [0, 0, 0, "", "", ""]
        row[0] += 1
        if start > row[3]:
            row[3] = start
        if succeeded is True:
            row[1] += 1
            if start > row[4]:
                row[4] = start
        elif succeeded is False:
            row[2] += 1
            if start > row[5]:
                row[5] = start
    return {(flow, date.fromisoformat(day)): [*counts[:3], *(parse_time(text) if text else None for text in counts[3:])]
            for (flow, day), counts in days.items()}


def _add_days(days, replace):
    """Write day counts: `replace` sets them (a whole read of those days), else adds (one more page)."""
    if not days:
        return
    rows = [(flow, day, *counts) for (flow, day), counts in days.items()]
    update = ("runs = excluded.runs, succeeded = excluded.succeeded, failed = excluded.failed, "
              "last_run = excluded.last_run, last_success = excluded.last_success, last_failure = excluded.last_failure"
              if replace else
              "runs = d.runs + excluded.runs, succeeded = d.succeeded + excluded.succeeded, "
              "failed = d.failed + excluded.failed, last_run = greatest(d.last_run, excluded.last_run), "
              "last_success = greatest(d.last_success, excluded.last_success), "
              "last_failure = greatest(d.last_failure, excluded.last_failure)")
    with connection.cursor() as cursor:
        cursor.executemany(f"""
            INSERT INTO usage_flowrunday AS d (flow_guid, day, runs, succeeded, failed, last_run, last_success,
                                               last_failure)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (flow_guid, day) DO UPDATE SET {update}""", rows)


def _save_states(flow_ids, through, source_name):
    states = {s.flow_guid: s for s in FlowRunState.objects.filter(flow_guid__in=flow_ids)}
    rows = [FlowRunState(flow_guid=flow_id, source=source_name, through=through,
                         known_since=_known_since(states.get(flow_id), through)) for flow_id in flow_ids]
    FlowRunState.objects.bulk_create(rows, update_conflicts=True, unique_fields=["flow_guid"],
                                     update_fields=["source", "through", "known_since"])


def flow_runs(task, client):
    """Read the runs of a batch of flows from the run-history API, each since where it was last read."""
    environment = Environment.objects.get(pk=task.args["env"])
    now = timezone.now().replace(microsecond=0)
    before = now.strftime("%Y-%m-%dT%H:%M:%S")  # runs starting while the batch reads belong to the next read
    states = dict(FlowRunState.objects.filter(flow_guid__in=task.args["flows"]).values_list("flow_guid", "through"))

    def read(flow_id):
        since = _since(states.get(flow_id), now)
        url, runs = client.flow_runs_url(environment.env_id, flow_id, since), []
        try:
            while url:
                page = client.flow_run_page(url)
                runs += [run for run in page.runs if run[1] < before]
                url = page.next_url
        except ApiError as exc:
            if exc.status in (403, 404):  # deleted since the listing: the next inventory sync marks it
                return flow_id, since, None
            raise
        return flow_id, since, runs

    with ThreadPoolExecutor(max_workers=client.max_concurrency) as pool:
        results = [result for result in pool.map(read, task.args["flows"]) if result[2] is not None]
    for flow_id, since, _ in results:
        FlowRunDay.objects.filter(flow_guid=flow_id, day__gte=since.date()).delete()
    _add_days({key: counts for flow_id, _, runs in results
               for key, counts in _tally(runs, key=lambda run, f=flow_id: f).items()}, replace=True)
    _save_states([flow_id for flow_id, _, _ in results], now, RUN_HISTORY)


def _dataverse_flows(environment):
    return list(Flow.objects.filter(environment=environment, deleted_at=None, is_solution_aware=True,
                                    state=FlowState.STARTED).values_list("flow_id", flat=True))


def dataverse_check(task, client):
    """An org's `flowevent` first: runs it skipped send its flows to the run history; else read its
    `flowruns` in windows of a week, one after the other (a month of a busy org is thousands of pages; a
    window a day cost a quiet org 28 requests for one page of runs)."""
    from inventory.services.sync import schedule_many

    environment = Environment.objects.get(pk=task.args["env"])
    org = source(f"dataverse:{environment.env_id}", f"Dataverse flow runs: {environment.display_name}")
    now = parse_datetime(task.run.tasks.get(name="usage_runs_start").args["at"])
    since = _since(org.watermark, now)
    gaps = client.run_ingestion_gaps(environment.dataverse_url, since)
    if gaps:  # the table missed runs: read these flows one by one instead
        org.failed(f"the org reports runs it did not record ({', '.join(sorted(set(gaps))[:3])}); "
                   "its flows are read from the run history instead")
        org.save()
        flows = _dataverse_flows(environment)
        schedule_many(task.run, [("usage_flow_runs", {"env": environment.pk, "flows": flows[i:i + FLOW_BATCH]},
                                  f"usage_flow_runs:{environment.pk}:dataverse:{i}")
                                 for i in range(0, len(flows), FLOW_BATCH)])
        return None
    return _window(task.run, environment.pk, since, now)


def _window(run, env_pk, start, until):
    """Record the org's window from `start` (a week, not past `until`) and return it, to run next in this
    worker: an org's windows are one chain, started where its check was queued, not behind every batch."""
    from inventory.services.sync import schedule

    end = min(start + timedelta(days=WINDOW_DAYS), until)
    return schedule(run, "usage_dataverse_runs", {"env": env_pk, "start": start.isoformat(), "end": end.isoformat(),
                                                  "until": until.isoformat(), "url": None, "page": 1},
                    key=f"usage_dataverse_runs:{env_pk}:{start.date()}:1")


def dataverse_runs(task, client):
    """One page of an org's flowruns in one window; the window's first page clears those days' counts."""
    from inventory.services.sync import schedule

    environment = Environment.objects.get(pk=task.args["env"])
    client.dataverse_org(environment.dataverse_url)  # a resumed nextLink needs the org accepted first
    start, end = parse_datetime(task.args["start"]), parse_datetime(task.args["end"])
    if task.args["page"] == 1:
        FlowRunDay.objects.filter(flow_guid__in=_dataverse_flows(environment), day__gte=start.date(),
                                  day__lt=end.date() if end.time() == start.time() else end.date() + timedelta(days=1)
                                  ).delete()
    page = client.dataverse_run_page(task.args["url"]
                                     or client.dataverse_runs_url(environment.dataverse_url, start, end))
    names = client.workflow_flow_ids(environment.dataverse_url, {run[0] for run in page.runs})
    _add_days(_tally([run for run in page.runs if names.get(run[0])], key=lambda run: names[run[0]]), replace=False)
    if page.next_url:
        return schedule(task.run, "usage_dataverse_runs", {**task.args, "url": page.next_url,
                                                           "page": task.args["page"] + 1},
                        key=f"usage_dataverse_runs:{environment.pk}:{start.date()}:{task.args['page'] + 1}")
    until = parse_datetime(task.args.get("until") or task.args["end"])  # a run started before windows chained
    return _window(task.run, environment.pk, end, until) if end < until else None


def dataverse_finish(run, now):
    """Orgs whose every day was read: their flows' runs are known through `now`."""
    failed = {str(error.get("task", "")).split(":")[1] for error in run.errors
              if str(error.get("task", "")).startswith("usage_dataverse")}
    checked = run.tasks.filter(name="usage_dataverse_check", error="").values_list("args", flat=True)
    for env_pk in {args["env"] for args in checked} - {int(pk) for pk in failed if pk.isdigit()}:
        environment = Environment.objects.get(pk=env_pk)
        org = source(f"dataverse:{environment.env_id}", f"Dataverse flow runs: {environment.display_name}")
        if org.state == UsageSource.State.FAILED and org.last_error_at and org.last_error_at >= run.started:
            continue  # it fell back to the run history this time
        _save_states(_dataverse_flows(environment), now, DATAVERSE)
        org.watermark = now
        org.succeeded()
        org.save()


def conversations(task, client):
    """One page of an org's conversation transcripts since its last read, counted per agent and day."""
    from inventory.services.sync import schedule

    environment = Environment.objects.get(pk=task.args["env"])
    client.dataverse_org(environment.dataverse_url)  # a resumed nextLink needs the org accepted first
    org = source(f"conversations:{environment.env_id}", f"Agent conversations: {environment.display_name}")
    now = parse_datetime(task.run.tasks.get(name="usage_runs_start").args["at"])
    since = _since(org.watermark, now)
    bots = list(Bot.objects.filter(environment=environment).values_list("bot_id", flat=True))
    if task.args["page"] == 1:
        AgentConversationDay.objects.filter(bot_guid__in=bots, day__gte=since.date()).delete()
    page = client.transcript_page(task.args["url"] or client.transcripts_url(environment.dataverse_url, since))
    days = defaultdict(lambda: [0, None])
    for bot, started in page.records:
        row = days[(bot, started.date())]
        row[0], row[1] = row[0] + 1, max(row[1] or started, started)
    with connection.cursor() as cursor:
        cursor.executemany("""
            INSERT INTO usage_agentconversationday AS d (bot_guid, day, conversations, last_at) VALUES (%s, %s, %s, %s)
            ON CONFLICT (bot_guid, day) DO UPDATE
            SET conversations = d.conversations + excluded.conversations,
                last_at = greatest(d.last_at, excluded.last_at)
            """, [(bot, day, count, last) for (bot, day), (count, last) in days.items()])
    if page.next_url:
        return schedule(task.run, "usage_conversations", {**task.args, "url": page.next_url,
                                                          "page": task.args["page"] + 1},
                        key=f"usage_conversations:{environment.pk}:{task.args['page'] + 1}")
    org.watermark = now
    org.succeeded()
    org.save()
    return None


STEPS = {"usage_runs_start": start, "usage_flow_runs": flow_runs, "usage_dataverse_check": dataverse_check,
         "usage_dataverse_runs": dataverse_runs,
         "usage_conversations": conversations}
