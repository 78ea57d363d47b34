"""Settings of ESS Portal, read from environment variables.

Every variable is parsed with a type and fails loudly on a bad value: a typo in
production must stop the process at start-up, not change its behaviour quietly.
The defaults are safe (DEBUG off, secure cookies); `make run` sets the development
values. See README.md, "Configuration", for the full list.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-used-with-debug"
# Without DEBUG the key is required: the web server refuses to start without it (ess_portal/wsgi.py),
# Django refuses to sign anything with an empty one, and `check --deploy` reports it. Management
# commands that sign nothing (makemigrations, migrate) still run.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin with the portal's site as `admin.site` (login lockout, second factor).
    "ess_portal.admin_config.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "corsheaders",
    "directory",
    "projects",
    "observatory",
    "awards",
    "purchasing",
    "ess_portal",  # cross-cutting management commands only (backup, restore); no models
]

MIDDLEWARE = [
    # First, so that the queries of every later middleware (sessions, accounts) are bounded too.
    "ess_portal.statement_timeout.StatementTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ess_portal.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers requires: answers preflights under /api/.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ess_portal.replicas.ReplicaRoutingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ess_portal.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "directory.history.HistoryProvenanceMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ess_portal.urls"
# Messages stay on the server: a new API token's secret is shown once through them.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
WSGI_APPLICATION = "ess_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: SQLite file by default (demo, tests), PostgreSQL in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (runserver, gunicorn workers): a write transaction takes SQLite's write lock
    # when it begins and waits for it, rather than failing half-way with « database is locked ».
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
# Read replicas (ess_portal/replicas.py): anonymous reads of public pages and API go to one of them.
DATABASE_REPLICAS = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    alias = f"replica_{number}"
    DATABASES[alias] = dj_database_url.parse(url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True)
    DATABASES[alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(alias)
DATABASE_ROUTERS = ["ess_portal.replicas.ReplicaRouter"]
# Longest SQL statement a request may run on PostgreSQL, in milliseconds (0: no limit); a statement
# cut by it answers a 503 with Retry-After. Requests only: commands and migrations keep the server's
# limit (ess_portal/statement_timeout.py). Off by default under DEBUG, where a debugger may pause.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 0 if DEBUG else 20_000)
if DATABASE_STATEMENT_TIMEOUT_MS < 0:
    raise ImproperlyConfigured("DATABASE_STATEMENT_TIMEOUT_MS must be 0 (no limit) or a number of milliseconds.")
# How long a caller who wrote reads from the primary, longer than the replicas' lag.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Staff login (docs/security.md, « Connexion du personnel »).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value}.")
    return value


# The client's address (ess_portal.client_ip), for the login lockout and the API throttling: how many
# proxies of ours stand in front of the app. 0: X-Forwarded-For is ignored, the address is the TCP
# peer; N: the N-th address from the right of X-Forwarded-For (each proxy appends its peer). Too
# high a value lets anyone pick their address by sending the header: count only proxies you run.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}.")

# Lockout after repeated failed logins (django-axes, database handler): LOGIN_FAILURE_LIMIT failures
# for one username (from any address), or from one address (for any usernames), lock that username,
# or that address, for LOGIN_COOLOFF_MINUTES; every attempt during the lockout restarts it. A
# successful login clears the failures; staff lift a lockout by deleting its « tentative » in the admin.
LOGIN_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_positive_int("LOGIN_COOLOFF_MINUTES", 30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ess_portal.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "ess_portal.login_security.lockout_response"  # French page, HTTP 429
AXES_HTTP_RESPONSE_CODE = 429
AXES_COOLOFF_MESSAGE = _("Connexion bloquée après trop d'échecs : réessayez plus tard.")
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept (1000 per username), for the admin
AXES_ENABLE_ADMIN = False  # ess_portal.admin_site registers axes' records with French labels
AXES_VERBOSE = False  # no banner on every start and command; failures and lockouts are still logged
# Masked in axes' log lines and recorded form data (axes' default, plus the code; passwords always are).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

# Optional second factor (django-otp: TOTP app, backup codes) for staff; the login asks for the
# code once a device is confirmed. Superusers must have and use one while OTP_REQUIRED_FOR_SUPERUSERS
# is on, which is the default in production (off under DEBUG, so the demo account signs in with its
# password only).
OTP_REQUIRED_FOR_SUPERUSERS = env_bool("OTP_REQUIRED_FOR_SUPERUSERS", not DEBUG)
OTP_TOTP_ISSUER = "ESS Portal"  # the account's name in the authenticator app
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret

# Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without a request, and SESSION_MAX_AGE_HOURS after
# the login (ess_portal.sessions); the cookie lives no longer than the absolute lifetime.
SESSION_IDLE_TIMEOUT_MINUTES = env_positive_int("SESSION_IDLE_TIMEOUT_MINUTES", 120)
SESSION_MAX_AGE_HOURS = env_positive_int("SESSION_MAX_AGE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600

# Personal data (docs/stewardship.md, « Données personnelles »): decided contributions and claims, with
# their authors' names and e-mails, are erased this long after the decision (`purge_contributions`).
CONTRIBUTION_RETENTION_DAYS = env_positive_int("CONTRIBUTION_RETENTION_DAYS", 365)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests render pages without collectstatic: WhiteNoise serves from the finders there.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# Cache, shared by every app process (API throttle counts live there): Redis when REDIS_URL is
# set, the database otherwise (its table is made by `migrate`: ess_portal/migrations/0001).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis by every app server, and kept in the database too (no sign-out
    # when Redis restarts).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ess_portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Answers to anonymous reads, kept per data version (ess_portal.response_cache): in Redis when it is
# there (shared by every app server), else in each process's memory (entries × size bounded).
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 300)
RESPONSE_CACHE_MAX_BYTES = env_int("RESPONSE_CACHE_MAX_BYTES", 256 * 1024)
CACHES["responses"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "responses"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "OPTIONS": {"MAX_ENTRIES": env_int("RESPONSE_CACHE_ENTRIES", 500)},
    }
)

# E-mail
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ess@example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address the OpenAPI schema gives partners for questions about the API.
API_CONTACT_EMAIL = env_str("API_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Admins", address) for address in env_list("ADMIN_EMAILS", [])]

# Public contributions (directory.contributions): spam guards, and how long a claim link stays valid.
CONTRIBUTION_MIN_SECONDS = env_int("CONTRIBUTION_MIN_SECONDS", 3)
CONTRIBUTION_RATE_PER_HOUR = env_int("CONTRIBUTION_RATE_PER_HOUR", 5)
CLAIM_LINK_HOURS = env_int("CLAIM_LINK_HOURS", 48)
# The board of needs (purchasing): a buyer's contact e-mail is erased this many days after the need's
# deadline, or after its refusal (`expire_needs`, docs/security.md « Données personnelles »).
NEED_CONTACT_RETENTION_DAYS = env_positive_int("NEED_CONTACT_RETENTION_DAYS", 90)

# The observatory (observatory.services) hides every group and figure resting on fewer actors than this.
OBSERVATORY_MIN_ACTORS = env_int("OBSERVATORY_MIN_ACTORS", 3)

# Security: safe by default, relaxed only under DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp; ess_portal.middleware adds what depends on the page): every
# asset is the site's own, no inline script or style. A page that needs an inline script (the API
# docs) gets a per-request nonce, emitted only when its template asks for `request.csp_nonce`.
# img-src also gets the origin of MAP_TILES_URL, and ReDoc its nonce'd styles and blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the icons of Leaflet and the API docs
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # Optional: where browsers POST their violation reports (not a `CSP_*` setting: django-csp 4
        # reports those as left over from its 3.x format).
        "report-uri": env_str("CSP_REPORT_URI") or None,
    },
}
# Permissions-Policy (django-permissions-policy): the site uses none of these browser features,
# so no page, nor anything it embeds, may ask for them (the package refuses a misspelt name; a
# browser that lacks a feature, such as Chromium on Linux for bluetooth and web-share, warns and ignores it).
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "web-share",
        "window-management",
        "xr-spatial-tracking",
    ]
}

# Uploads: documents attached to initiatives (see projects.validators).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DOCUMENT_MAX_SIZE = env_int("DOCUMENT_MAX_SIZE", 10 * 1024 * 1024)
# Actor imports (docs/imports.md): the largest file read, from the admin or the command; where the
# admin keeps an uploaded file between its preview and its confirmation (private: never served,
# never under MEDIA_ROOT; a directory shared by the app servers when several serve the admin).
IMPORT_MAX_BYTES = env_positive_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_UPLOAD_DIR = Path(env_str("IMPORT_UPLOAD_DIR", str(Path(tempfile.gettempdir()) / "ess-portal-imports")))

# django-simple-history: keep who changed what, and revert from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = False
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Partner API (Django REST framework). Each default is explicit, with why.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)
REST_FRAMEWORK = {
    # Deny by default: each view states who may call it (ess_portal.api.views.ApiViewMixin for the
    # resources: anonymous reads, writes with a partner token; the schema and docs are public).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["ess_portal.api.permissions.DenyAll"],
    # JSON only by default; each list adds the formats it supports (GeoJSON, CSV).
    "DEFAULT_RENDERER_CLASSES": ["ess_portal.api.renderers.JSONRenderer"],
    # JSON bodies, bounded in size and depth (ess_portal.api.parsers).
    "DEFAULT_PARSER_CLASSES": ["ess_portal.api.parsers.JSONParser"],
    # Filters are declared as django-filter FilterSets shared with the HTML pages.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttle anonymous callers and tokens separately; rates are configurable.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "token": env_str("API_THROTTLE_TOKEN", "600/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ESS Portal — API partenaires",
    # The introduction of the docs: the incremental-sync recipe first, then authentication, pagination, errors.
    "DESCRIPTION": (BASE_DIR / "ess_portal" / "api" / "description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Swagger UI: without deep links, an operation's path is text inside its expand button rather than
    # a link nested in a button (axe-core: nested-interactive); without syntax highlighting, examples and
    # responses are plain text in the colours of static/css/swagger_ui.css, contrasted enough.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "CONTACT": {"name": "ESS Portal — Est Ensemble", "email": API_CONTACT_EMAIL},
    "LICENSE": {"name": "AGPL-3.0-or-later", "url": "https://www.gnu.org/licenses/agpl-3.0.html"},
    # One tag per resource, described: generated clients name their modules after them.
    "TAGS": [
        {"name": "actors", "description": "Acteurs de l'annuaire de l'ESS (structures, associations, coopératives…)."},
        {"name": "change-requests", "description": "Demandes de modification des fiches publiées (avant décision)."},
        {"name": "communes", "description": "Communes du territoire (code INSEE)."},
        {"name": "cooperations", "description": "Coopérations entre acteurs publiés : liste, lignes GeoJSON, graphe."},
        {"name": "consultations", "description": "Consultations des projets : participants par type, effets."},
        {"name": "deals", "description": "Transactions entre acteurs de l'ESS et entreprises ou acheteurs publics."},
        {"name": "events", "description": "Agenda de l'ESS : Mois de l'ESS, ateliers, portes ouvertes, jurys…"},
        {"name": "exports", "description": "Exports au schéma data·inclusion (structures et services)."},
        {"name": "initiatives", "description": "Projets et initiatives, leurs jalons, financements et indicateurs."},
        {"name": "neighbourhoods", "description": "Quartiers (dont quartiers prioritaires de la ville)."},
        {"name": "sectors", "description": "Secteurs d'activité de l'annuaire."},
        {"name": "sites", "description": "Lieux disponibles ou occupés (tiers-lieux, locaux…)."},
        {"name": "support-offers", "description": "Offres d'accompagnement des acteurs."},
        {
            "name": "observatory",
            "description": "Observatoire de l'ESS : chiffres annuels agrégés, petits groupes masqués.",
        },
        {"name": "supplier-offers", "description": "Offres des acteurs aux acheteurs, par catégorie CPV."},
        {"name": "cpv", "description": "Nomenclature CPV 2008 (divisions et groupes) des offres et des besoins."},
    ],
    # A nullable choice field is a nullable enum, not a `oneOf` with a `NullEnum` that generators
    # turn into invalid code (`class NullEnum(, Enum)`).
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ess_portal.api.schema.describe_empty_parameters",
        "ess_portal.api.schema.type_nullable_references",
        "ess_portal.api.schema.declare_servers",
    ],
    # One stable name per choice set shared by several fields (the schema is a contract).
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "directory.models.PublicationStatus",
        "SupportOfferKindEnum": "directory.models.SupportOffer.Kind",
        "SiteKindEnum": "projects.models.Site.Kind",
        "InitiativeKindEnum": "projects.models.Initiative.Kind",
        "EventKindEnum": "projects.models.Event.Kind",
        "EventStatusEnum": "projects.models.Event.Status",
        "AttendanceModeEnum": "projects.models.Event.Attendance",
        "InitiativeStatusEnum": "projects.models.Initiative.Status",
        "FundingLineKindEnum": "projects.models.FundingLine.Kind",
        "FundingLineStatusEnum": "projects.models.FundingLine.Status",
        "ChangeRequestKindEnum": "directory.models.ChangeRequest.Kind",
        "ChangeRequestStateEnum": "directory.models.ChangeRequest.State",
        "DealKindEnum": "directory.models.Deal.Kind",
        "DealPartnerKindEnum": "directory.models.Deal.PartnerKind",
        "DealOutcomeEnum": "directory.models.Deal.Outcome",
        "TypologyEnum": "directory.models.Typology",
        "ConsultationParticipantKindEnum": "projects.models.ConsultationParticipant.Kind",
        "ConsultationEffectKindEnum": "projects.models.ConsultationEffect.Kind",
    },
}

# Cross-origin reads of the API (django-cors-headers), so that a partner's map in a browser can
# call it: any origin, reads only, never with cookies. Writes stay same-origin (cookie sessions are
# CSRF-protected) or server to server with a token: no preflight for POST, PATCH, PUT or DELETE.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language", "authorization", "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = (
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "Link",
    "Retry-After",
)
CORS_PREFLIGHT_MAX_AGE = 86400

# Public maps (Leaflet, served locally). Background tiles come from this URL template; leave it
# empty to draw markers on a plain background with no request to a third party.
MAP_TILES_URL = env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "© les contributeurs d'OpenStreetMap")
