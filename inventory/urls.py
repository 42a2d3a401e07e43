from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("environments/", views.EnvironmentListView.as_view(), name="environment-list"),
    path("apps/", views.AppListView.as_view(), name="app-list"),
    path("flows/", views.FlowListView.as_view(), name="flow-list"),
    path("makers/", views.MakerListView.as_view(), name="maker-list"),
    path("connectors/", views.ConnectorListView.as_view(), name="connector-list"),
    path("import/", views.import_file, name="import"),
    path("sync/", views.SyncRunListView.as_view(), name="sync-list"),
    path("sync/start/", views.sync_start, name="sync-start"),
    path("sync/<int:pk>/", views.sync_run_detail, name="sync-run"),
]
