from django.contrib import admin
from django.urls import include, path

from coe_portal.core import views as core_views
from coe_portal.core.forms import AdminSignInForm

urlpatterns = [
    path("", include("coe_portal.core.urls")),
    path("inventory/", include("inventory.urls")),
    path("usage/", include("usage.urls")),
    path("migrations/", include("migrations_app.urls")),
    path("comms/", include("comms.urls")),
    path("api/", include("coe_portal.core.api.urls")),
    path("progress/", include("coe_portal.dashboards.urls")),
    path("dlp/", include("dlp.urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
admin.site.login_form = AdminSignInForm  # throttled like the portal's own sign-in
