from django.urls import path

from . import views, views_blockers

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("home-cards/", views.manager_home_cards, name="home-cards"),
    path("blockers/", views_blockers.blockers, name="blockers"),
    path("blockers/<slug:key>/", views_blockers.blocker_list, name="blocker"),
]
