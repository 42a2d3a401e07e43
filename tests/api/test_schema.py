"""Schemathesis against the served OpenAPI schema: no server error, every response fits the schema.

Runs through the WSGI app in-process, on the test database, as a CoE admin (every operation
allowed) and as a maker (own items only), so both the data and the permission paths are tried.
The database holds inventory, DLP policies with computed impact runs, and a campaign with answers,
so every endpoint (inventory, dlp, comms) answers with rows.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(transactional_db):
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def personas(inventory, dlp_world, comms, bearer, coe_admin, maker):
    return [{"Authorization": bearer(user)["HTTP_AUTHORIZATION"]} for user in (coe_admin, maker)]


@schema.parametrize()
@pytest.mark.timeout(1200)  # one test for every operation (27 of them, twice each): minutes on a loaded machine
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, personas):
    for headers in personas:
        case.call_and_validate(headers=headers, checks=CHECKS)


def test_an_api_path_no_route_matches_answers_json(client, coe_admin, bearer):
    # Schemathesis's id: no API route matches a newline, so the project-wide 404 answers.
    response = client.get("/api/comms/answers/%C2%B7%C2%BD%0A%18%0E/", **bearer(coe_admin))
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["detail"]
    page = client.get("/inventory/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
