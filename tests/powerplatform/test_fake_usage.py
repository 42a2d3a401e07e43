"""The fake's audit feed (usage-apis.md §1, §7.1-7.6) seen from outside, with raw HTTP."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from coe_portal.powerplatform.fake.api import UsageOptions
from tests.powerplatform import fake_support
from tests.powerplatform.fake_support import NOW

fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir

TODAY = NOW + timedelta(days=10)
PA_ID = "powerplatform.analytics.resource.power_app.id"


def at(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def started(make_fake, **options):
    tenant, servers, client = make_fake(**options)
    tenant.clock.set(TODAY)
    return tenant, servers, client


def listing(client, start=None, end=None, extra="", content_type="Audit.General", **kwargs):
    window = (f"&startTime={start}" if start else "") + (f"&endTime={end}" if end else "")
    path = client.feed_path(f"subscriptions/content?contentType={content_type}{window}{extra}")
    return client.get("manage", path, **kwargs)


def every_descriptor(client, start, end):
    """All descriptors of a window, following NextPageUri read by its lowercase name (C2 reads `nextpageuri`)."""
    found, answer, pages = [], listing(client, at(start), at(end)), 0
    while True:
        assert answer.status_code == 200, answer.text
        found += answer.json()
        pages += 1
        following = answer.headers.get("nextpageuri")
        if not following:
            return found, pages
        answer = client.get("manage", following)


def launches_in(client, descriptors):
    """{Id: (app id or None, user key, CreationTime, contentCreated)} of the LaunchPowerApp records."""
    seen, copies = {}, 0
    for descriptor in descriptors:
        answer = client.get("manage", descriptor["contentUri"])
        assert answer.status_code == 200, answer.text
        for record in answer.json():
            if record["Operation"] != "LaunchPowerApp":
                continue
            if record["Workload"] == "PowerApps":
                app = record["AppName"]
            else:
                app = next((p["Value"] for p in record["PropertyCollection"] if p["Name"] == PA_ID), None)
            if record["Id"] in seen:
                copies += 1
            seen.setdefault(record["Id"], (app, record["UserKey"], record["CreationTime"], descriptor["contentCreated"],
                                           record["RecordType"]))
    return seen, copies


class TestAccess:
    def test_the_token_needs_the_role_and_the_tenant_of_the_url(self, make_fake):
        _, servers, client = started(make_fake, activity_feed_role=False)
        refused = client.get("manage", client.feed_path("subscriptions/list"))
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "AF10001"
        _, servers, client = started(make_fake)
        assert client.get("manage", client.feed_path("subscriptions/list")).status_code == 200
        other = client.get("manage", client.feed_path("subscriptions/list", "0b0e0000-0000-4000-8000-000000000001"))
        assert other.json()["error"]["code"] == "AF20010"
        assert client.get("manage", client.feed_path("subscriptions/list", "contoso")).json()["error"]["code"] == \
            "AF20013"
        assert servers.settings()["POWERPLATFORM_MANAGE_URL"] == servers.urls["manage"]


class TestSubscriptions:
    def test_start_stop_and_the_states_content_listing_sees(self, make_fake):
        tenant, _, client = started(make_fake)
        listed = client.get("manage", client.feed_path("subscriptions/list")).json()
        assert listed == [{"contentType": "Audit.General", "status": "enabled", "webhook": None}]
        again = client.post("manage", client.feed_path("subscriptions/start?contentType=Audit.General"))
        assert again.status_code == 400 and again.json()["error"]["code"] == "AF20024"
        assert listing(client, content_type="Audit.Exchange").json()["error"]["code"] == "AF20022"
        stopped = client.post("manage", client.feed_path("subscriptions/stop?contentType=Audit.General"))
        assert stopped.status_code == 200
        disabled = listing(client)
        assert disabled.status_code == 400 and disabled.json()["error"]["code"] == "AF20023"
        tenant.clock.set(TODAY + timedelta(hours=6))
        restarted = client.post("manage", client.feed_path("subscriptions/start?contentType=Audit.General"))
        assert restarted.json() == {"contentType": "Audit.General", "status": "enabled", "webhook": None}
        gap = listing(client, at(TODAY - timedelta(hours=1)), at(TODAY + timedelta(hours=6))).json()
        assert [d for d in gap if d["contentCreated"] < at(TODAY)] and not [
            d for d in gap if at(TODAY) <= d["contentCreated"] < at(TODAY + timedelta(hours=6))]
        stopped_blob = tenant.usage.feed.generated_id(int(TODAY.timestamp() // 3600) + 2, 0)
        answer = client.get("manage", client.feed_path(f"audit/{stopped_blob}"))
        assert answer.json()["error"]["code"] == "AF20050"

    def test_a_tenant_that_never_subscribed(self, make_fake):
        _, _, client = started(make_fake, usage=UsageOptions(subscription="never"))
        assert client.get("manage", client.feed_path("subscriptions/list")).json() == []
        assert listing(client).json()["error"]["code"] == "AF20022"


class TestWindows:
    def test_window_rules(self, make_fake):
        _, _, client = started(make_fake)
        day = TODAY - timedelta(days=1)
        assert listing(client, at(day)).json()["error"]["code"] == "AF20030"
        assert listing(client, at(day), at(day + timedelta(hours=25))).json()["error"]["code"] == "AF20030"
        old = TODAY - timedelta(days=7, minutes=1)
        assert listing(client, at(old), at(old + timedelta(hours=1))).json()["error"]["code"] == "AF20030"
        assert listing(client, at(day), at(day)).json()["error"]["code"] == "AF20055"
        for start, end in (("2026-06-10", "2026-06-11"), ("2026-06-10T03:00", "2026-06-10T05:00"),
                           ("2026-06-10T03:00:00", "2026-06-10T05:00:00"),
                           ("2026-06-10T03:00:00.0000000Z", "2026-06-10T05:00:00.0000000Z")):
            answer = listing(client, start, end)
            assert answer.status_code == 200 and answer.json(), (start, answer.text)

    def test_no_times_is_the_last_day_and_the_window_is_half_open_on_content_created(self, make_fake):
        _, _, client = started(make_fake, usage=UsageOptions(content_page_size=10_000))
        recent = listing(client).json()
        assert recent and all(at(TODAY - timedelta(hours=24, seconds=5)) <= d["contentCreated"] for d in recent)
        created = recent[3]["contentCreated"]
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
        exact = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        starting = listing(client, exact, at(moment + timedelta(hours=1))).json()
        ending = listing(client, at(moment - timedelta(hours=1)), exact).json()
        assert starting[0]["contentCreated"] == created and created not in [d["contentCreated"] for d in ending]


class TestPagingAndBlobs:
    def test_next_page_uri_pages_through_the_window(self, make_fake):
        _, _, client = started(make_fake, usage=UsageOptions(content_page_size=2))
        start = TODAY - timedelta(days=2)
        found, pages = every_descriptor(client, start, start + timedelta(hours=6))
        assert pages > 2 and len({d["contentId"] for d in found}) == len(found)
        first = listing(client, at(start), at(start + timedelta(hours=6)))
        following = first.headers["NextPageUri"]
        assert "/api/v1/" in following and f"startTime={at(start)}" in following and "&nextPage=" in following
        bad = client.get("manage", following.rsplit("=", 1)[0] + "=garbage")
        assert bad.json()["error"]["code"] == "AF20031"

    def test_descriptors_and_blob_expiry(self, make_fake):
        tenant, _, client = started(make_fake)
        descriptor = listing(client, at(TODAY - timedelta(days=6)), at(TODAY - timedelta(days=6, hours=-2))).json()[0]
        assert descriptor["contentId"].count("$") >= 3 and "$audit_general$Audit_General$" in descriptor["contentId"]
        root = f"{client.servers.urls['manage']}{client.feed_path('')}"
        assert descriptor["contentUri"] == f"{root}audit/{descriptor['contentId']}"
        created = datetime.fromisoformat(descriptor["contentCreated"].replace("Z", "+00:00"))
        assert datetime.fromisoformat(descriptor["contentExpiration"].replace("Z", "+00:00")) - created == \
            timedelta(days=7)
        assert isinstance(client.get("manage", descriptor["contentUri"]).json(), list)
        tenant.clock.set(created + timedelta(days=7, minutes=1))
        assert client.get("manage", descriptor["contentUri"]).json()["error"]["code"] == "AF20051"
        unknown = descriptor["contentUri"].replace("$emea", "$emea9")
        assert client.get("manage", unknown).json()["error"]["code"] == "AF20050"


class TestRealism:
    def test_the_truth_is_what_the_blobs_carry_after_dedupe(self, make_fake):
        tenant, _, client = started(make_fake, apps=300, usage=UsageOptions(content_page_size=500))
        day = TODAY - timedelta(days=5)
        descriptors = []
        for hours in range(0, 72, 24):
            descriptors += every_descriptor(client, day + timedelta(hours=hours), day + timedelta(hours=hours + 24))[0]
        seen, copies = launches_in(client, descriptors)
        assert copies, "some records come twice"
        assert {shape for *_, shape in seen.values()} == {256, 45}
        assert any(app is None for app, *_ in seen.values()), "some launches carry no app id"
        per_app, late = defaultdict(list), 0
        for app, user, creation, published, _ in seen.values():
            event = datetime.fromisoformat(creation).replace(tzinfo=UTC)
            delay = datetime.fromisoformat(published.replace("Z", "+00:00")) - event
            assert "Z" not in creation and timedelta(hours=1) <= delay <= timedelta(hours=55)
            if event >= day + timedelta(hours=7):  # its first copy is in the window: 1-24 h, a tail to 48 h
                assert delay <= timedelta(hours=48)
                late += delay > timedelta(hours=24)
            if app and day <= event < day + timedelta(days=1):
                per_app[app].append(user)
        assert per_app and 0 < late < len(seen) * 0.15
        for app in tenant.apps:
            truth = tenant.usage.launch_counts(app, day, day + timedelta(days=1))
            users = per_app.get(app.name, [])
            assert (truth["launches"], truth["users"]) == (len(users), len(set(users))), app.name
        by_blob = [[datetime.fromisoformat(c) for _, _, c, p, _ in seen.values() if p == d["contentCreated"]]
                   for d in descriptors]
        assert any(later and earlier and min(later) < max(earlier)
                   for earlier, later in zip(by_blob, by_blob[1:], strict=False)), "events are out of order"

    def test_noise_and_explicit_launches(self, make_fake):
        tenant, _, client = started(make_fake)
        app, makers = tenant.apps[0], tenant.makers[:2]
        tenant.usage.set_app_pattern(app, "dead")
        first, second = TODAY - timedelta(hours=30), TODAY - timedelta(hours=20)
        ids = tenant.usage.add_launches(app, [(first, makers[0]), (second, makers[1])], delay=timedelta(hours=3))
        assert len(ids) == 2
        truth = tenant.usage.launch_counts(app, TODAY - timedelta(days=2), TODAY)
        assert truth == {"launches": 2, "users": 2, "last_launch": second}
        window = listing(client, at(first + timedelta(hours=3)), at(first + timedelta(hours=4))).json()
        assert ids[0] in [d["contentId"] for d in window]
        records = client.get("manage", client.feed_path(f"audit/{ids[0]}")).json()
        assert [r["UserId"] for r in records] == [makers[0].upn]
        repeat = tenant.usage.duplicate_blob(ids[0], published=TODAY - timedelta(minutes=5))
        assert [r["Id"] for r in client.get("manage", client.feed_path(f"audit/{repeat}")).json()] == \
            [r["Id"] for r in records]
        late = tenant.usage.late_blob(app, [(TODAY - timedelta(days=4), makers[0])])
        assert late in [d["contentId"] for d in listing(client).json()]
        noise = client.get("manage", window[0]["contentUri"]).json()
        some = [r for d in listing(client).json()[:5] for r in client.get("manage", d["contentUri"]).json()]
        assert noise and {r["Workload"] for r in some} - {"PowerPlatform", "PowerApps"}


class TestThrottling:
    @pytest.mark.parametrize("status", [403, 429])
    def test_af429_and_the_smaller_pool_without_a_publisher(self, make_fake, status):
        _, _, client = started(make_fake, throttle="tight", usage=UsageOptions(throttle_status=status))
        path = client.feed_path("subscriptions/list")
        answers = [client.get("manage", path).status_code for _ in range(6)]
        assert answers[:5] == [200] * 5 and answers[5] == status
        refused = client.get("manage", path).json()["error"]
        assert refused["code"] == "AF429" and "PublisherId=" in refused["message"]
        mine = f"{path}?PublisherIdentifier={client.servers.tenant_id}"
        assert [client.get("manage", mine).status_code for _ in range(10)] == [200] * 10
