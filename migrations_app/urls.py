from django.urls import include, path

from . import views, views_queue, views_requests

app_name = "migrations_app"

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/<slug:kind>/", views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/copy/start/", views.copy_start, name="copy-start"),
    path("plans/<int:pk>/checklist/<int:item_pk>/", views.item_update, name="item-update"),
    path("plans/<int:pk>/usermapping.csv", views.usermapping_download, name="usermapping-download"),
    path("plans/<int:pk>/usermapping/upload/", views.usermapping_upload, name="usermapping-upload"),
    path("plans/<int:pk>/portal-script.ps1", views.portal_script, name="portal-script"),
    # Legacy packages and data migration plans (branch migtenant)
    path("", include("migrations_app.urls_tenant")),

    # Migration requests, waves and jobs (issue 7)
    path("my-items/", views_requests.my_items, name="my-items"),
    path("requests/new/", views_requests.request_new, name="request-new"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request-detail"),
    path("requests/<int:pk>/cancel/", views_requests.request_cancel, name="request-cancel"),
    path("requests/<int:pk>/send/", views_requests.request_send, name="request-send"),
    path("requests/<int:pk>/connections/", views_requests.request_connections, name="request-connections"),
    path("requests/", views_queue.RequestQueueView.as_view(), name="request-queue"),
    path("requests/bulk/", views_queue.request_bulk, name="request-bulk"),
    path("requests/<int:pk>/retry/", views_queue.request_retry, name="request-retry"),
    path("waves/", views_queue.wave_list, name="wave-list"),
    path("waves/<int:pk>/", views_queue.wave_detail, name="wave-detail"),
    path("waves/<int:pk>/start/", views_queue.wave_start, name="wave-start"),
]
