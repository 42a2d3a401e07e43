from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ready", views.readyz, name="healthz-ready"),
    path("me/", views.me, name="me"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("auth/entra/login/", views.entra_login, name="entra-login"),
    path("auth/entra/callback/", views.entra_callback, name="entra-callback"),
    path("audit/", views.AuditEntryListView.as_view(), name="audit-list"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<int:pk>/roles/", views.user_roles_edit, name="user-roles"),
    path("health/run/", views.health_check_start, name="health-check"),
    path("jobs/<uuid:code>/", views.job_detail, name="job"),
]
