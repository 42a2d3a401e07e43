app_name = "migrations_app"

urlpatterns = []
