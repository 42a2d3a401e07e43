from rest_framework.routers import DefaultRouter

from . import views

app_name = "migrations-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("requests", views.RequestViewSet, basename="request")
router.register("waves", views.WaveViewSet)

urlpatterns = router.urls
