from rest_framework.routers import DefaultRouter

from . import views

app_name = "inventory-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("environments", views.EnvironmentViewSet)
router.register("makers", views.MakerViewSet)
router.register("connectors", views.ConnectorViewSet)
router.register("tags", views.TagViewSet)
router.register("apps", views.AppViewSet)
router.register("flows", views.FlowViewSet)

urlpatterns = router.urls
