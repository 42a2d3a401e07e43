import csv
import io

from django.urls import reverse

from coe_portal.core.models import AuditEntry


class TestAuditLog:
    def test_sign_in_is_recorded_with_address(self, client, maker):
        from tests.conftest import PASSWORD

        client.post(reverse("login"), {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7",
                    HTTP_USER_AGENT="pytest-browser")
        entry = AuditEntry.objects.get(action="auth.login")
        assert (entry.actor, entry.ip_address, entry.user_agent) == (maker, "192.0.2.7", "pytest-browser")
        assert entry.details == {"method": "password"}

    def test_admin_write_without_explicit_entry_is_still_recorded(self, client, coe_admin,
                                                                  django_capture_on_commit_callbacks):
        client.force_login(coe_admin)
        with django_capture_on_commit_callbacks(execute=False):
            client.post(reverse("health-check"))
        # The view records its own entry; the middleware must not add a duplicate.
        assert list(AuditEntry.objects.exclude(action__startswith="auth.").values_list("action", flat=True)) == [
            "health_check.start"]

    def test_middleware_records_admin_posts_that_views_do_not(self, rf, coe_admin):
        from django.http import HttpResponse

        from coe_portal.core.middleware import AdminWriteAuditMiddleware

        request = rf.post("/anything/")
        request.user = coe_admin
        request.resolver_match = None
        AdminWriteAuditMiddleware(lambda r: HttpResponse(status=204))(request)
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.actor, entry.details) == ("post./anything/", coe_admin, {"path": "/anything/"})

    def test_maker_writes_are_not_admin_actions(self, rf, maker):
        from django.http import HttpResponse

        from coe_portal.core.middleware import AdminWriteAuditMiddleware

        request = rf.post("/anything/")
        request.user = maker
        AdminWriteAuditMiddleware(lambda r: HttpResponse(status=204))(request)
        assert not AuditEntry.objects.exists()

    def test_list_filters_and_exports_safe_csv(self, client, coe_admin):
        AuditEntry.objects.create(actor_name="mallory", action="tag.create", object_repr="=HYPERLINK(\"http://x\")")
        AuditEntry.objects.create(actor_name="alice", action="user.roles", object_repr="bob")
        client.force_login(coe_admin)
        page = client.get(reverse("audit-list"), {"action": "tag."})
        assert "HYPERLINK" in page.content.decode() and ">bob<" not in page.content.decode()
        response = client.get(reverse("audit-list"), {"action": "tag.", "export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:3] == ["When", "Who", "What"]
        assert rows[1][1:4] == ["mallory", "tag.create", "'=HYPERLINK(\"http://x\")"]
        assert len(rows) == 2

    def test_empty_filter_result_says_so(self, client, coe_admin):
        client.force_login(coe_admin)
        response = client.get(reverse("audit-list"), {"action": "nothing."})
        assert "Nothing matches these filters" in response.content.decode()

    def test_htmx_request_gets_only_the_table(self, client, coe_admin):
        client.force_login(coe_admin)
        response = client.get(reverse("audit-list"), HTTP_HX_REQUEST="true")
        assert "<html" not in response.content.decode()
        assert "<table" in response.content.decode()
