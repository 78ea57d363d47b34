"""WSGI entry point (gunicorn ess_portal.wsgi)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")

application = get_wsgi_application()

# A server without its secret key must not start: sessions, CSRF tokens and signed links depend on it.
try:
    settings.SECRET_KEY  # noqa: B018 (Django raises on an empty key when it is read)
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.") from exc
