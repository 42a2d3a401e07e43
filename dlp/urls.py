from django.urls import path

from . import views

app_name = "dlp"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="policy-list"),
    path("sync/", views.policy_sync, name="policy-sync"),
    path("drafts/new/", views.draft_new, name="draft-new"),
    path("policies/<int:pk>/", views.policy_detail, name="policy"),
    path("policies/<int:pk>/copy/", views.policy_copy, name="policy-copy"),
    path("policies/<int:pk>/connectors/", views.policy_connectors, name="policy-connectors"),
    path("policies/<int:pk>/move/", views.policy_move, name="policy-move"),
    path("policies/<int:pk>/scope/", views.policy_scope, name="policy-scope"),
    path("policies/<int:pk>/impact/", views.impact_summary, name="impact"),
    path("policies/<int:pk>/impact/compute/", views.impact_compute, name="impact-compute"),
    path("policies/<int:pk>/impact/items/", views.ImpactItemListView.as_view(), name="impact-items"),
    path("policies/<int:pk>/impact/bulk/", views.impact_bulk, name="impact-bulk"),
    path("policies/<int:pk>/impact/apps.csv", views.export_apps, name="impact-apps-csv"),
    path("policies/<int:pk>/impact/flow.csv", views.export_flows, name="impact-flows-csv"),
    path("connectors/<int:pk>/", views.connector_detail, name="connector"),
]
