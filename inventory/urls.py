from django.urls import path

from . import views, views_batches, views_cleanup, views_items, views_tags

app_name = "inventory"

urlpatterns = [
    path("environments/", views.EnvironmentListView.as_view(), name="environment-list"),
    path("apps/", views_items.AppListView.as_view(), name="app-list"),
    path("apps/<int:pk>/", views_items.app_detail, name="app-detail"),
    path("flows/", views_items.FlowListView.as_view(), name="flow-list"),
    path("flows/<int:pk>/", views_items.flow_detail, name="flow-detail"),
    path("bots/", views_items.BotListView.as_view(), name="bot-list"),
    path("sites/", views_items.PagesSiteListView.as_view(), name="site-list"),
    path("columns/<slug:table>/", views_items.save_columns, name="columns"),
    path("bulk-tag/<slug:kind>/", views_tags.bulk_tag, name="bulk-tag"),
    path("tags/", views_tags.TagListView.as_view(), name="tag-list"),
    path("tags/new/", views_tags.tag_edit, name="tag-create"),
    path("tags/<int:pk>/", views_tags.tag_edit, name="tag-edit"),
    path("tags/<int:pk>/merge/", views_tags.tag_merge, name="tag-merge"),
    path("rules/", views_tags.rule_list, name="rule-list"),
    path("rules/new/", views_tags.rule_edit, name="rule-create"),
    path("rules/<int:pk>/", views_tags.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/apply/", views_tags.rule_apply, name="rule-apply"),
    path("cleanup/", views_cleanup.case_list, name="case-list"),
    path("cleanup/run-due/", views_cleanup.run_due, name="case-run-due"),
    path("cleanup/<slug:kind>/<int:pk>/start/", views_cleanup.cleanup_start, name="cleanup-start"),
    path("cleanup/<int:pk>/retry/", views_cleanup.case_retry, name="case-retry"),
    path("cleanup/<int:pk>/answer/", views_cleanup.case_answer, name="case-answer"),
    path("cleanup/bulk/<slug:kind>/", views_batches.bulk_cleanup, name="bulk-cleanup"),
    path("cleanup/delete-batch/", views_batches.delete_batch_new, name="delete-batch"),
    path("cleanup/jobs/<int:pk>/", views_batches.cleanup_job, name="cleanup-job"),
    path("cleanup/jobs/<int:pk>/confirm/", views_batches.delete_batch_confirm, name="delete-batch-confirm"),
    path("cleanup/jobs/<int:pk>/retry/", views_batches.cleanup_job_retry, name="cleanup-job-retry"),
    path("backups/", views_cleanup.backup_list, name="backup-list"),
    path("backups/<int:pk>/download/", views_cleanup.backup_download, name="backup-download"),
    path("triage-settings/", views_tags.triage_settings, name="triage-settings"),
    path("makers/", views.MakerListView.as_view(), name="maker-list"),
    path("connectors/", views.ConnectorListView.as_view(), name="connector-list"),
    path("import/", views.import_file, name="import"),
    path("sync/", views.SyncRunListView.as_view(), name="sync-list"),
    path("sync/start/", views.sync_start, name="sync-start"),
    path("sync/<int:pk>/", views.sync_run_detail, name="sync-run"),
]
