app_name = "comms"

urlpatterns = []
