
app_name = "dlp"

urlpatterns = []
