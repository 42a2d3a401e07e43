from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles as it renders; its scripts stay 'self' only.
    path("docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("tokens/", views.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api-token-revoke"),
    path("inventory/", include("inventory.api.urls")),
    path("dlp/", include("dlp.api.urls")),
    path("comms/", include("comms.api.urls")),
    path("migrations/", include("migrations_app.api.urls")),
    re_path(r"^(?P<path>(?s:.*))$", views.api_not_found),  # last: anything unmatched above, newlines too
]
