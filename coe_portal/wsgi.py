import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
# Web requests run short queries: no JIT compilation or parallel workers (settings.py, "Web performance").
os.environ.setdefault("COE_WEB_DATABASE_OPTIONS", "1")
application = get_wsgi_application()
