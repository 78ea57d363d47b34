"""Django's admin app, with the portal's admin site as the default one (see ess_portal.admin_site).

Its own module, not ess_portal/apps.py: that one is the `ess_portal` app (management commands)."""

from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in


class PortalAdminConfig(AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS: `admin.site` is a `PortalAdminSite`."""

    default_site = "ess_portal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from django.contrib import admin

        from ess_portal.admin_site import register_lockout_admins
        from ess_portal.sessions import record_session_start

        register_lockout_admins(admin.site)
        # The session's clock (idle and absolute expiry) starts at every login, force_login included.
        user_logged_in.connect(record_session_start, dispatch_uid="ess_portal.sessions.record_session_start")
