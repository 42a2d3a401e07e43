from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("items/<slug:kind>/<int:pk>/", views.item_usage, name="item"),
    path("sources/", views.sources, name="sources"),
]
