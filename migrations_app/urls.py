from django.urls import include, path

from . import views

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
]
