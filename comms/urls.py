from django.urls import path

from . import answer_views, views

app_name = "comms"

urlpatterns = [
    path("templates/", views.TemplateListView.as_view(), name="template-list"),
    path("templates/new/", views.template_edit, name="template-new"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("templates/preview/", views.template_preview, name="template-preview"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/start/", views.campaign_start, name="campaign-start"),
    path("campaigns/<int:pk>/retry/", views.campaign_retry, name="campaign-retry"),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery-list"),
    path("answers/", views.AnswerQueueView.as_view(), name="answer-queue"),
    path("answers/<int:pk>/reviewed/", views.answer_reviewed, name="answer-reviewed"),
    path("items/<str:kind>/<int:pk>/", views.item_messages, name="item-messages"),
    path("cleanup-cases/<int:pk>/notice/", views.case_notice, name="case-notice"),
    path("a/<str:token>/", answer_views.answer, name="answer"),
]
