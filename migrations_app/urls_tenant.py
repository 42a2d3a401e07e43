"""URLs of legacy packages and data migration plans (included by urls.py into the migrations_app namespace)."""

from django.urls import path

from . import views_packages

urlpatterns = [
    path("packages/<slug:kind>/<int:pk>/", views_packages.package_new, name="package-new"),
    path("packages/<uuid:code>/", views_packages.package_detail, name="package-detail"),
    path("packages/<uuid:code>/download/", views_packages.package_download, name="package-download"),
    path("dataplan/<slug:kind>/<int:pk>/", views_packages.dataplan, name="dataplan"),
]
