"""Staff sessions end after an idle period and after an absolute lifetime.

`SESSION_IDLE_TIMEOUT_MINUTES` without a request, or `SESSION_MAX_AGE_HOURS` after signing in,
whichever comes first, the user is signed out and the next page says why. Django's own expiry
(`SESSION_COOKIE_AGE`) is a rolling one, refreshed each time the session is saved: it cannot
express "at most twelve hours after the login", hence the two timestamps kept here.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

STARTED_AT_KEY = "_session_started_at"
LAST_ACTIVITY_KEY = "_session_last_activity"
# The last activity is written at most once a minute, not on every request: a session write is a
# database query, and the idle timeout is counted in minutes anyway.
ACTIVITY_RESOLUTION_SECONDS = 60


def record_session_start(sender, request: HttpRequest, user, **kwargs) -> None:
    """`user_logged_in` receiver: the session's clock starts at the login (also for `force_login`)."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED_AT_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now


def expiry_reason(session, *, now: int) -> str | None:
    """Why this signed-in session is over, in French, or None while it is still valid."""
    started_at = session.get(STARTED_AT_KEY)
    last_activity = session.get(LAST_ACTIVITY_KEY)
    if started_at is None or last_activity is None:
        return None
    idle_minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
    max_age_hours = settings.SESSION_MAX_AGE_HOURS
    if now - started_at >= max_age_hours * 3600:
        return _(
            "Votre session a expiré : elle dure au plus %(hours)d heures après la connexion. Reconnectez-vous."
        ) % {"hours": max_age_hours}
    if now - last_activity >= idle_minutes * 60:
        return _("Votre session a expiré après %(minutes)d minutes d'inactivité. Reconnectez-vous.") % {
            "minutes": idle_minutes
        }
    return None


class SessionLifetimeMiddleware:
    """Signs out sessions past their idle or absolute limit; keeps the last activity up to date.

    Goes after the authentication and message middlewares. Anonymous sessions are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie: nothing to load (keeps anonymous pages free of a session query).
        if settings.SESSION_COOKIE_NAME in request.COOKIES and SESSION_KEY in request.session:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        if STARTED_AT_KEY not in session or LAST_ACTIVITY_KEY not in session:
            # A session opened before this middleware existed: its clock starts now.
            session[STARTED_AT_KEY] = session.get(STARTED_AT_KEY, now)
            session[LAST_ACTIVITY_KEY] = now
            return
        reason = expiry_reason(session, now=now)
        if reason:
            logout(request)
            messages.warning(request, reason)
        elif now - session[LAST_ACTIVITY_KEY] >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
