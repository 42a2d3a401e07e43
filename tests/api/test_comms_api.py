"""The comms API: campaigns and deliveries for CoE admins (made from a tag, started, audited);
answers for admins, for managers of the makers' departments, and for makers about their own items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coe_portal.core.models import AuditEntry, UserProfile
from comms.models import Campaign, Recipient, RecipientItem
from tests.comms.factories import make_app

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


class TestCampaignApi:
    def test_an_admin_makes_a_campaign_from_a_tag_and_it_is_audited(self, client, coe_admin, comms, bearer):
        body = {"name": "Wave 2", "template": comms["template"].pk, "tag": comms["tag"].slug}
        response = client.post("/api/comms/campaigns/", body, content_type="application/json", **bearer(coe_admin))
        assert response.status_code == 201, response.content
        made = response.json()
        assert (made["source_kind"], made["tag"], made["status"]) == ("tag", comms["tag"].slug, "draft")
        campaign = Campaign.objects.get(pk=made["id"])
        assert campaign.created_by == coe_admin
        entry = AuditEntry.objects.get(action="comms.campaign.create", object_id=str(campaign.pk))
        assert entry.actor == coe_admin and "Migrate out of default" in entry.details["source"]

    def test_start_schedules_once_then_answers_409(self, client, coe_admin, comms, bearer,
                                                   django_capture_on_commit_callbacks):
        body = {"name": "Wave 2", "template": comms["template"].pk, "tag": comms["tag"].slug, "start": True}
        with django_capture_on_commit_callbacks(execute=False) as launches:
            response = client.post("/api/comms/campaigns/", body, content_type="application/json",
                                   **bearer(coe_admin))
        assert response.json()["status"] == "scheduled" and len(launches) == 1
        again = client.post(f"/api/comms/campaigns/{response.json()['id']}/start/", **bearer(coe_admin))
        assert again.status_code == 409 and "already started" in again.json()["detail"]
        assert AuditEntry.objects.filter(action="comms.campaign.start").count() == 1

    def test_bad_input_names_the_field_and_makes_nothing(self, client, coe_admin, comms, bearer):
        headers = bearer(coe_admin)
        for body, field in (({"name": "x", "template": comms["template"].pk, "tag": "nope"}, "tag"),
                            ({"name": "x", "template": comms["template"].pk, "tag": "a\x00b"}, "tag"),
                            ({"name": "x", "template": comms["template"].pk, "tag": comms["tag"].slug,
                              "cadence_days": 7}, "max_reminders"),
                            ({"template": comms["template"].pk, "tag": comms["tag"].slug}, "name")):
            response = client.post("/api/comms/campaigns/", body, content_type="application/json", **headers)
            assert response.status_code == 400 and field in response.json(), body
        assert Campaign.objects.count() == 1

    def test_campaigns_list_with_counts_for_admins_only(self, client, coe_admin, manager, maker, comms, bearer):
        [row] = client.get("/api/comms/campaigns/?status=active", **bearer(coe_admin)).json()["results"]
        assert (row["name"], row["recipients"], row["answered"]) == ("Wave 1", 2, 2)
        for user in (manager, maker):
            assert client.get("/api/comms/campaigns/", **bearer(user)).status_code == 403
            body = {"name": "x", "template": comms["template"].pk, "tag": comms["tag"].slug}
            assert client.post("/api/comms/campaigns/", body, content_type="application/json",
                               **bearer(user)).status_code == 403
        assert Campaign.objects.count() == 1

    def test_deliveries_filter_by_campaign_and_status(self, client, coe_admin, maker, comms, bearer):
        url = f"/api/comms/deliveries/?campaign={comms['campaign'].pk}&status=failed"
        [failed] = client.get(url, **bearer(coe_admin)).json()["results"]
        assert failed["to"] == comms["eve"].email and failed["error"] == "550 mailbox unavailable"
        assert client.get("/api/comms/deliveries/", **bearer(maker)).status_code == 403


class TestAnswerApi:
    def test_a_maker_sees_only_answers_about_their_own_items(self, client, maker, comms, bearer):
        response = client.get("/api/comms/answers/", **bearer(maker))
        assert names(response) == ["Budget", "Mine"]
        budget = next(row for row in response.json()["results"] if row["name"] == "Budget")
        assert (budget["answer"], budget["justification"], budget["kind"]) == ("keep", "payroll", "app")
        assert budget["campaign"] == comms["campaign"].pk and budget["maker"]["display_name"] == "Bob"
        theirs = comms["answers"]["Leads"]
        assert client.get(f"/api/comms/answers/{theirs.pk}/", **bearer(maker)).status_code == 404

    def test_a_manager_sees_the_answers_of_their_departments(self, client, manager, comms, bearer):
        UserProfile.objects.update_or_create(user=manager, defaults={"managed_departments": ["Sales"]})
        assert names(client.get("/api/comms/answers/", **bearer(manager))) == ["Leads"]
        mine = comms["answers"]["Budget"]
        assert client.get(f"/api/comms/answers/{mine.pk}/", **bearer(manager)).status_code == 404

    def test_a_manager_without_departments_sees_none(self, client, manager, comms, bearer):
        assert names(client.get("/api/comms/answers/", **bearer(manager))) == []

    def test_an_admin_sees_all_and_filters(self, client, coe_admin, outsider, comms, bearer):
        headers = bearer(coe_admin)
        assert names(client.get("/api/comms/answers/", **headers)) == ["Budget", "Leads", "Mine"]
        assert names(client.get("/api/comms/answers/?answer=migrate", **headers)) == ["Leads"]
        assert names(client.get("/api/comms/answers/?kind=flow", **headers)) == ["Mine"]
        assert names(client.get("/api/comms/answers/?department=finance", **headers)) == ["Budget", "Mine"]
        assert names(client.get(f"/api/comms/answers/?maker={comms['eve'].pk}", **headers)) == ["Leads"]
        assert names(client.get("/api/comms/answers/?q=lead", **headers)) == ["Leads"]
        Recipient.objects.filter(maker=comms["eve"]).update(reviewed_at=timezone.now())
        assert names(client.get("/api/comms/answers/?pending_review=true", **headers)) == ["Budget", "Mine"]
        assert client.get("/api/comms/answers/?answer=maybe", **headers).status_code == 400
        assert client.get("/api/comms/answers/", **bearer(outsider)).status_code == 403

    def test_unanswered_items_are_not_answers(self, client, coe_admin, comms, bearer):
        RecipientItem.objects.filter(pk=comms["answers"]["Mine"].pk).update(answer="", answered_at=None)
        assert names(client.get("/api/comms/answers/", **bearer(coe_admin))) == ["Budget", "Leads"]

    def test_queries_do_not_grow_with_page_size(self, client, coe_admin, comms, bearer):
        recipient = Recipient.objects.get(maker=comms["bob"])
        for n in range(30):
            RecipientItem.objects.create(recipient=recipient, app=make_app(owner=comms["bob"], name=f"More {n}"),
                                         answer="keep", answered_at=timezone.now())
        headers = bearer(coe_admin)
        with CaptureQueriesContext(connection) as small:
            assert len(client.get("/api/comms/answers/?page_size=2", **headers).json()["results"]) == 2
        with CaptureQueriesContext(connection) as large:
            assert len(client.get("/api/comms/answers/?page_size=33", **headers).json()["results"]) == 33
        assert len(large.captured_queries) == len(small.captured_queries)
