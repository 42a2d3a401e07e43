from rest_framework.routers import DefaultRouter

from . import views

app_name = "comms-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("campaigns", views.CampaignViewSet)
router.register("deliveries", views.DeliveryViewSet)
router.register("answers", views.AnswerViewSet, basename="answer")

urlpatterns = router.urls
