"""WSGI entry point (gunicorn ess_portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")

application = get_wsgi_application()
