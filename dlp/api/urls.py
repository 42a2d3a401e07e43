from rest_framework.routers import DefaultRouter

from . import views

app_name = "dlp-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("policies", views.PolicyViewSet)
router.register("runs", views.ImpactRunViewSet, basename="run")
router.register("impact-items", views.ImpactItemViewSet, basename="impact-item")

urlpatterns = router.urls
