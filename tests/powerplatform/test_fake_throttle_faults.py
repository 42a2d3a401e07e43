"""The fake's service protection (429 + Retry-After) and its injected faults."""

import json
import threading
import time

import pytest
import requests

from coe_portal.powerplatform.fake.faults import Faults, parse_spec
from coe_portal.powerplatform.fake.server import Request
from coe_portal.powerplatform.fake.throttle import PROFILES, Profile, Throttle
from tests.powerplatform import fake_support
from tests.powerplatform.fake_support import BAP_ENVIRONMENTS

# The shared fixtures, registered in this module.
fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def admitted(result):
    return hasattr(result, "bucket")


class TestThrottleModel:
    def test_profiles_expose_their_numbers(self):
        assert PROFILES["default"].numbers() == {"Q": 6000, "W": 300.0, "X": 1200.0, "C": 52, "L": 0.0}
        assert PROFILES["fast"].numbers() == {"Q": 6000, "W": 3.0, "X": 12.0, "C": 52, "L": 0.0}
        assert PROFILES["bench"].numbers()["L"] == 0.005
        assert PROFILES["tight"].numbers() == {"Q": 50, "W": 2.0, "X": 100.0, "C": 8, "L": 0.0}

    def test_the_request_quota_slides_and_retry_after_says_when(self):
        clock = FakeClock()
        throttle = Throttle(Profile("t", 3, 10.0, 100.0, 10), clock=clock)
        for _ in range(3):
            throttle.leave(throttle.enter("app"))
            clock.now += 1.5
        refused = throttle.enter("app")
        assert refused.status == 429 and refused.headers["Retry-After"] == "6"  # first request + 10 s - now
        assert json.loads(refused.body)["error"]["code"] == "0x80072322"
        assert admitted(throttle.enter("another principal"))
        clock.now += 5.6
        assert admitted(throttle.enter("app"))
        assert throttle.counts() == {"requests": 6, "throttled": 1}

    def test_concurrency_cap_answers_at_once_with_retry_after_one(self):
        throttle = Throttle(Profile("t", 100, 10.0, 100.0, 2), service="flow", clock=FakeClock())
        first, second = throttle.enter("app"), throttle.enter("app")
        refused = throttle.enter("app")
        assert refused.headers["Retry-After"] == "1"
        assert json.loads(refused.body)["error"]["code"] == "TooManyConcurrentRequests"
        throttle.leave(first)
        assert admitted(throttle.enter("app")) and admitted(second)

    def test_the_execution_budget_counts_server_time(self):
        clock = FakeClock()
        throttle = Throttle(Profile("t", 100, 10.0, 2.0, 10), clock=clock)
        ticket = throttle.enter("app")
        clock.now += 2.5
        throttle.leave(ticket)
        refused = throttle.enter("app")
        assert refused.status == 429 and json.loads(refused.body)["error"]["code"] == "0x80072321"
        assert refused.headers["Retry-After"] == "10"
        clock.now += 10.01
        assert admitted(throttle.enter("app"))


class TestThrottleOverHttp:
    def test_a_storm_gets_429s_with_integer_retry_after(self, make_fake):
        tenant, servers, client = make_fake(throttle="tight")
        path = client.apps_path(tenant.default_environment.name)
        answers = [client.get("powerapps", path) for _ in range(60)]
        refused = [answer for answer in answers if answer.status_code == 429]
        assert len(refused) == 10 and all(a.status_code == 200 for a in answers[:50])
        assert all(1 <= int(a.headers["Retry-After"]) <= 2 for a in refused)
        assert refused[0].json()["error"]["message"].startswith("Number of requests exceeded the limit of 50")
        assert servers.stats()["powerapps"] == {"requests": 60, "throttled": 10}
        assert servers.stats()["flow"] == {"requests": 0, "throttled": 0}

    def test_each_server_throttles_on_its_own(self, make_fake):
        tenant, servers, client = make_fake(throttle="tight")
        env = tenant.default_environment.name
        for _ in range(50):
            client.get("powerapps", client.apps_path(env))
        assert client.get("flow", client.flows_path(env)).status_code == 200
        flow_storm = [client.get("flow", client.flows_path(env)) for _ in range(55)]
        assert flow_storm[-1].status_code == 429
        assert flow_storm[-1].json()["error"]["code"] == "TooManyRequests"

    def test_latency_counts_and_the_concurrency_cap_holds(self, make_fake):
        slow = Profile("slow", 1000, 10.0, 100.0, 2, latency=0.3)
        tenant, servers, client = make_fake(throttle=slow)
        path = client.url("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01")
        token = client.token("bap")
        statuses = []

        def call():
            answer = requests.get(path, headers={"Authorization": f"Bearer {token}"}, verify=client.ca, timeout=10)
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=call) for _ in range(5)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200, 429, 429, 429] and time.monotonic() - started >= 0.3


class TestFaultSpecs:
    def test_spec_strings_parse_and_bad_ones_are_refused(self):
        assert parse_spec("5xx=0.05,slow=0.01,malformed=0.01,reset=0.01,expire=0.001") == {
            "5xx": 0.05, "slow": 0.01, "malformed": 0.01, "reset": 0.01, "expire": 0.001}
        for bad in ("boom=0.1", "5xx=2", "5xx=0.6,reset=0.6", "slow=x"):
            with pytest.raises(ValueError):
                parse_spec(bad)

    def test_random_faults_are_deterministic_for_a_seed(self):
        request = Request.__new__(Request)
        request.path = "/x"
        plans = [Faults("5xx=0.3,reset=0.1", seed=seed) for seed in (1, 1, 2)]
        draws = [[getattr(plan.draw(request), "kind", None) for _ in range(50)] for plan in plans]
        assert draws[0] == draws[1] != draws[2]
        assert 5 < draws[0].count("5xx") < 25 and draws[0].count("reset")


class TestFaultsOverHttp:
    def test_fail_next_answers_5xx_then_recovers(self, fake):
        tenant, servers, client = fake
        path = client.apps_path(tenant.default_environment.name)
        servers.faults.fail_next(r"/apps$", status=503, times=2)
        statuses = [client.get("powerapps", path).status_code for _ in range(3)]
        assert statuses == [503, 503, 200]

    def test_random_5xx_use_the_gateway_statuses(self, make_fake):
        tenant, _, client = make_fake(faults="5xx=1")
        answers = [client.get("flow", client.flows_path(tenant.default_environment.name)) for _ in range(12)]
        assert {a.status_code for a in answers} <= {500, 502, 503, 504}
        assert all(a.json()["error"]["code"] for a in answers)

    def test_malformed_bodies_come_with_status_200(self, fake):
        tenant, servers, client = fake
        servers.faults.malformed_next("v2/flows")
        answer = client.get("flow", client.flows_path(tenant.default_environment.name))
        assert answer.status_code == 200
        with pytest.raises(ValueError):
            answer.json()

    def test_resets_drop_the_connection(self, make_fake):
        tenant, servers, client = make_fake(faults="reset=1")
        with pytest.raises(requests.ConnectionError):
            client.get("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01")

    def test_slow_answers_take_their_time(self, fake):
        tenant, servers, client = fake
        servers.faults.slow_next("environments", seconds=0.4)
        started = time.monotonic()
        assert client.get("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01").status_code == 200
        assert time.monotonic() - started >= 0.4

    def test_expired_tokens_fail_until_a_new_one_is_fetched(self, fake):
        tenant, servers, client = fake
        first_page = client.get("powerapps", client.apps_path(tenant.default_environment.name, top=5)).json()
        servers.faults.expire_tokens()
        refused = client.get("powerapps", first_page["nextLink"])
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "ExpiredAuthenticationToken"
        fresh = client.token("powerapps", fresh=True)
        assert client.get("powerapps", first_page["nextLink"], token=fresh).status_code == 200

    def test_random_expiry_expires_the_token_mid_paging(self, make_fake):
        tenant, servers, client = make_fake(faults="expire=1")
        answer = client.get("flow", client.flows_path(tenant.default_environment.name))
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "ExpiredAuthenticationToken"
        assert servers.faults.injected["expire"] == 1
