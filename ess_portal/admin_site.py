"""The staff admin site: Django's, with the login security of `ess_portal.login_security`.

It is the default admin site (`ess_portal.admin_config.PortalAdminConfig`), so `admin.site` and every
`@admin.register` in the apps use it. On top of Django's site it:

- signs in with `StaffAuthenticationForm` (password, then the code when the account has a device);
- adds the two-factor page, `/admin/double-authentification/`, where staff enrol an authenticator
  app (QR code and secret, confirmed by a first code) and get backup codes;
- keeps superusers who must use a second factor (`OTP_REQUIRED_FOR_SUPERUSERS`) and whose session
  has not passed it on that page: every other admin page redirects there (signing out still works);
- registers django-axes' lockout records with French labels.
"""

from functools import update_wrapper

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import include, path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ess_portal import login_security


class PortalAdminSite(admin.AdminSite):
    # Its titles are set in ess_portal/urls.py.
    login_form = login_security.StaffAuthenticationForm
    login_template = "admin/staff_login.html"
    index_template = "admin/staff_index.html"

    def second_factor_pending(self, request: HttpRequest) -> bool:
        """A staff session that must pass a second factor before using the admin."""
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and login_security.second_factor_required(user)
            and not login_security.is_verified(user)
        )

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not self.second_factor_pending(request)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if self.second_factor_pending(request):
                if request.path == reverse("admin:logout", current_app=self.name):
                    # Django's logout view (POST only, CSRF-protected by itself).
                    return view(request, *args, **kwargs)
                return HttpResponseRedirect(reverse("admin:otp_setup", current_app=self.name))
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, view)

    def login(self, request, extra_context=None):
        if request.method == "GET" and self.second_factor_pending(request):
            return HttpResponseRedirect(reverse("admin:otp_setup", current_app=self.name))
        return super().login(request, extra_context)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_urls = []

    def add_urls(self, prefix: str, patterns) -> None:
        """Pages of an app that are not a model's (e.g. the moderation queue), under /admin/<prefix>.

        `patterns` is a callable returning URL patterns, called when the admin's URLs are built; their
        names join the admin's namespace. Wrap each view with `admin_view`.
        """
        self._extra_urls.append((prefix, patterns))

    def get_urls(self):
        login_url = reverse_lazy("admin:login", current_app=self.name)
        setup = staff_member_required(csrf_protect(never_cache(self.otp_setup)), login_url=login_url)
        extra = [path(prefix, include(patterns())) for prefix, patterns in self._extra_urls]
        return [path("double-authentification/", setup, name="otp_setup"), *extra, *super().get_urls()]

    def otp_setup(self, request: HttpRequest) -> HttpResponse:
        """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a first code."""
        user = request.user
        context = {
            **self.each_context(request),
            "title": _("Double authentification"),
            "required": login_security.second_factor_required(user),
            "verified": login_security.is_verified(user),
        }
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # Enrolled already. A session that did not pass the code (it signed in before the
            # device existed) cannot replace the device: it must sign in again with a code.
            return render(request, "admin/otp_setup.html", {**context, "enrolled": True})
        device = login_security.pending_totp_device(user)
        form = OTPSetupForm(request.POST or None)
        if form.is_valid():
            codes = login_security.confirm_totp_device(device=device, token=form.cleaned_data["otp_token"])
            if codes is not None:
                request.session.cycle_key()
                otp_login(request, device)
                messages.success(request, _("La double authentification est activée pour votre compte."))
                context["verified"] = True
                return render(request, "admin/otp_setup.html", {**context, "enrolled": True, "backup_codes": codes})
            form.add_error("otp_token", _("Code incorrect ou expiré : saisissez le code affiché en ce moment."))
        return render(
            request,
            "admin/otp_setup.html",
            {**context, "enrolled": False, "form": form, **login_security.totp_provisioning(device)},
        )


class OTPSetupForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code affiché par l'application"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class IsLockedOutFilter(admin.SimpleListFilter):
    title = _("verrouillage")
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return [("yes", _("Verrouillé")), ("no", _("Non verrouillé"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        if self.value() == "no":
            return queryset.filter(failures_since_start__lt=settings.AXES_FAILURE_LIMIT)
        return queryset


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """Failed logins being counted: who, from where, how many; deleting a row lifts its lockout."""

    list_display = [
        "attempt_time",
        "ip_address",
        "username",
        "user_agent",
        "path_info",
        "failures_since_start",
        "status",
    ]
    list_filter = ["attempt_time", IsLockedOutFilter]
    fieldsets = (
        (None, {"fields": ("username", "path_info", "failures_since_start")}),
        (_("Données du formulaire"), {"fields": ("get_data", "post_data")}),
        (_("Client"), {"fields": ("user_agent", "ip_address", "http_accept")}),
    )
    actions = ["cleanup_expired_attempts"]

    @admin.action(description=_("Supprimer les tentatives dont le délai est écoulé"))
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, _("%(count)d tentative(s) expirée(s) supprimée(s).") % {"count": count})

    @admin.display(description=_("état"))
    def status(self, obj: AccessAttempt):
        remaining = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if remaining > 0:
            return _("%(remaining)d essai(s) restant(s)") % {"remaining": remaining}
        return _("Verrouillé")


class AccessLogAdmin(axes_admin.AccessLogAdmin):
    fieldsets = (
        (None, {"fields": ("username", "path_info")}),
        (_("Client"), {"fields": ("user_agent", "ip_address", "http_accept")}),
    )


class AccessFailureLogAdmin(axes_admin.AccessFailureLogAdmin):
    fieldsets = (
        (None, {"fields": ("username", "path_info", "locked_out")}),
        (_("Client"), {"fields": ("user_agent", "ip_address", "http_accept")}),
    )


def register_lockout_admins(site: admin.AdminSite) -> None:
    """django-axes' records, in French (`AXES_ENABLE_ADMIN` is off: axes registers nothing itself)."""
    site.register(AccessAttempt, AccessAttemptAdmin)
    site.register(AccessLog, AccessLogAdmin)
    site.register(AccessFailureLog, AccessFailureLogAdmin)
