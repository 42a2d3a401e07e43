"""The client's transport against a scripted HTTPS server on loopback, with real msal tokens."""

import json

import pytest

from coe_portal.core.ratelimit import SlidingWindowLimit
from coe_portal.powerplatform.auth import TokenProvider
from coe_portal.powerplatform.errors import ApiError, MalformedResponse, PowerPlatformError, RetriesExhausted
from coe_portal.powerplatform.fake.server import FakeServer, Response
from coe_portal.powerplatform.session import CABundleSession
from coe_portal.powerplatform.transport import MAX_MALFORMED, AdaptiveConcurrency, Transport


class Script:
    """Answers queued per path; the last answer repeats. Records the bearer tokens it saw."""

    def __init__(self):
        self.answers, self.tokens, self.calls = {}, [], []

    def route(self, request, path):
        self.calls.append(request.path + ("?" + "&".join(f"{k}={v}" for k, v in request.query.items())
                                          if request.query else ""))
        self.tokens.append(request.headers.get("Authorization"))
        queue = self.answers[path]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def script(tmp_path):
    script = Script()
    server = FakeServer([("GET", r"/(?P<path>.*)", script.route), ("POST", r"/(?P<path>.*)", script.route)],
                        tmp_path).start()
    script.url, script.ca_path = server.url, server.ca_path
    yield script
    server.stop()


@pytest.fixture
def transport(entra, script, settings):
    provider, identity = entra
    waits = []
    tokens = TokenProvider({script.url: "https://service.powerapps.com/.default"})
    transport = Transport(tokens, CABundleSession(str(script.ca_path)), sleep=waits.append)
    transport.waits = waits
    return transport


def ok(body):
    return Response(200, body)


@pytest.mark.django_db
class TestTransport:
    def test_it_honours_retry_after_on_429(self, script, transport):
        script.answers["apps"] = [Response(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "7"}),
                                  ok({"value": [1]})]
        assert transport.request("GET", f"{script.url}/apps") == {"value": [1]}
        assert transport.waits == [7.0]
        assert (transport.stats.throttled, transport.stats.retries, transport.stats.requests) == (1, 1, 2)

    def test_it_parses_retry_after_as_a_date(self, script, transport):
        script.answers["apps"] = [Response(429, {}, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), ok({})]
        transport.request("GET", f"{script.url}/apps")
        assert transport.waits == [0.0]  # a date in the past: go again at once

    def test_it_backs_off_on_5xx_with_jitter(self, script, transport):
        script.answers["apps"] = [Response(503, {}), Response(502, {}), ok({"value": []})]
        transport.request("GET", f"{script.url}/apps")
        assert len(transport.waits) == 2
        assert 0.125 <= transport.waits[0] <= 0.25 and 0.25 <= transport.waits[1] <= 0.5

    def test_it_gives_up_after_the_retry_budget(self, script, transport):
        script.answers["apps"] = [Response(500, {})]
        with pytest.raises(RetriesExhausted, match="gave up after 8 attempts") as error:
            transport.request("GET", f"{script.url}/apps")
        assert error.value.url == f"{script.url}/apps"

    def test_malformed_json_is_retried_then_reported_with_the_request(self, script, transport):
        script.answers["apps"] = [Response(200, b'{"value": [tru', content_type="application/json")]
        with pytest.raises(MalformedResponse, match="invalid JSON") as error:
            transport.request("GET", f"{script.url}/apps")
        assert error.value.url.endswith("/apps") and len(script.calls) == MAX_MALFORMED

    def test_other_faults_do_not_count_towards_the_malformed_limit(self, script, transport):
        truncated = Response(200, b'{"value": [tru', content_type="application/json")
        script.answers["apps"] = [Response(503, {}), Response(503, {}), truncated, truncated,
                                  Response(200, {"value": [1]})]
        assert transport.request("GET", f"{script.url}/apps") == {"value": [1]}

    def test_a_malformed_page_once_is_survived(self, script, transport):
        script.answers["apps"] = [Response(200, b"{trunc", content_type="application/json"), ok({"value": [2]})]
        assert transport.request("GET", f"{script.url}/apps") == {"value": [2]}

    def test_an_expired_token_is_refreshed_once(self, entra, script, transport):
        provider, _ = entra
        script.answers["apps"] = [Response(401, {"error": {"code": "ExpiredAuthenticationToken"}}), ok({})]
        issued = provider.tokens_issued
        transport.request("GET", f"{script.url}/apps")
        assert provider.tokens_issued == issued + 2  # the first token, then a fresh one
        assert script.tokens[0] != script.tokens[1]

    def test_a_token_refused_while_another_thread_fetched_it_is_not_kept(self, entra, script, transport):
        tokens, url = transport.tokens, f"{script.url}/apps"
        first = tokens.token_for(url)
        tokens._tokens.clear()  # as after our token's time ran out: msal's cache still holds it
        fetch, others = tokens.app.acquire_token_for_client, []

        def fetch_while_refused(**kwargs):
            result = fetch(**kwargs)  # msal hands out the cached token ...
            if not others:  # ... which another thread's call is refused meanwhile; that thread fetches anew
                others.append(None)
                tokens.invalidate(url)
                others.append(tokens.token_for(url))
            return result

        tokens.app.acquire_token_for_client = fetch_while_refused
        assert tokens.token_for(url) == first  # this call's request will be refused too, and retried
        assert others[1] != first
        assert tokens.token_for(url) == others[1]  # the other thread's fresh token is kept, not the refused one

    def test_a_401_that_outlasts_fresh_tokens_is_an_error(self, script, transport):
        script.answers["apps"] = [Response(401, {"error": {"code": "InvalidAuthenticationToken", "message": "no"}})]
        with pytest.raises(ApiError) as error:
            transport.request("GET", f"{script.url}/apps")
        assert (error.value.status, error.value.code) == (401, "InvalidAuthenticationToken")

    def test_other_client_errors_are_not_retried(self, script, transport):
        script.answers["apps/x"] = [Response(404, {"error": {"code": "AppNotFound", "message": "Could not find App"}})]
        with pytest.raises(ApiError, match="HTTP 404 AppNotFound: Could not find App"):
            transport.request("GET", f"{script.url}/apps/x")
        assert len(script.calls) == 1

    def test_pages_follow_next_links_verbatim(self, script, transport):
        script.answers["apps"] = [ok({"value": [1, 2], "nextLink": f"{script.url}/more?$skiptoken=abc%3D%3D"})]
        script.answers["more"] = [ok({"value": [3], "@odata.nextLink": f"{script.url}/last?x=1"})]
        script.answers["last"] = [ok({"value": [4]})]
        assert list(transport.pages(f"{script.url}/apps", params={"$top": 2})) == [[1, 2], [3], [4]]
        assert script.calls == ["/apps?$top=2", "/more?$skiptoken=abc==", "/last?x=1"]

    def test_it_never_sends_a_token_to_an_unknown_host(self, transport):
        with pytest.raises(PowerPlatformError, match="unknown host"):
            transport.request("GET", "https://evil.example/steal")


class TestAdaptiveConcurrency:
    def test_it_halves_on_throttling_and_recovers_slowly(self):
        limit = AdaptiveConcurrency(8)
        limit.throttled()
        assert limit.limit == 4
        for _ in range(16):
            limit.succeeded()
        assert limit.limit == 5


class TestSlidingWindowLimit:
    def test_workers_share_one_window(self, settings):
        first = SlidingWindowLimit("test-shared", limit=3, window=60)
        second = SlidingWindowLimit("test-shared", limit=3, window=60)
        first.reset()
        assert [first.try_acquire(), second.try_acquire(), first.try_acquire()] == [0, 0, 0]
        wait = second.try_acquire()
        assert 59_000 < wait <= 60_000
        first.reset()

    def test_acquire_waits_for_a_free_slot(self):
        limit = SlidingWindowLimit("test-wait", limit=1, window=0.2)
        limit.reset()
        limit.acquire()
        slept = []
        limit.acquire(sleep=lambda seconds: (slept.append(seconds), __import__("time").sleep(seconds)))
        assert slept and 0 < sum(slept) <= 0.25


def test_records_ignore_unknown_fields_and_report_missing_ones():
    from coe_portal.powerplatform.records import parse_app

    item = json.loads('{"name": "a1", "newField": {"x": 1}, "properties": {"displayName": "Expenses", '
                      '"owner": {"id": "0b5c", "email": "ann@x.example"}, "sharedUsersCount": 3, '
                      '"connectionReferences": {"g": {"id": "/providers/microsoft.powerapps/apis/shared_sql", '
                      '"apiTier": "Premium", "dataSources": ["Orders"]}}, "almMode": "Solution", '
                      '"executionRestrictions": {"appQuarantineState": {"quarantineStatus": "Quarantined"}}}}')
    app = parse_app(item)
    assert (app.display_name, app.owner.email, app.shared_users_count, app.quarantined, app.is_solution_aware) == (
        "Expenses", "ann@x.example", 3, True, True)
    assert [(c.connector_id, c.tier, c.data_sources) for c in app.connectors] == [("shared_sql", "premium", ["Orders"])]
    with pytest.raises(MalformedResponse, match="item without properties"):
        parse_app({"name": "a2"}, url="https://x/apps")
