"""Settings for the test suite: the real settings, with throw-away keys and fast hashing.

The keys below exist only to encrypt test rows; nothing real is ever encrypted with them.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTAwMDAwMDA=")
os.environ.setdefault("BLIND_INDEX_KEY", "dGVzdC1vbmx5LWJsaW5kLWluZGV4LWtleS0wMDAwMDA=")
os.environ.setdefault("STATIC_MANIFEST", "false")

from config.settings import *  # noqa: F403

# Argon2 is the production hasher; tests sign users in thousands of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
# Each test client loads the middleware afresh; without autorefresh WhiteNoise would walk
# every finder's ~1,100 files each time (about a second per client). Autorefresh looks a
# file up through the finders only when a static URL is asked for.
WHITENOISE_AUTOREFRESH = True
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "user": "100000/hour",
    "anon": "100000/hour",
    "sign_in": "100000/hour",
}
# Static files come from the finders in tests; nothing has been collected.
STATIC_ROOT = None
# Each test process keeps its own cache, so throttle counters never leak between runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
# The browser tests load axe-core from the site itself, so the real Content Security Policy
# stays in force while they check accessibility.
STATICFILES_DIRS = [*STATICFILES_DIRS, ("axe", str(BASE_DIR / "node_modules" / "axe-core"))]  # noqa: F405
# The test client, the live server and Schemathesis' in-process calls.
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# A second connection alias for the read-replica router's tests (tests/core/test_replicas.py):
# a mirror of the test database, used only where a test turns the replica on
# (READ_REPLICA_ALIAS and DATABASE_ROUTERS, as DATABASE_REPLICA_URL would).
DATABASES.setdefault(  # noqa: F405
    "replica",
    {**DATABASES["default"], "TEST": {"MIRROR": "default"}},  # noqa: F405
)
# A use of a query kept compiled (core.compiled) also compiles it afresh with the real values
# and fails unless the SQL and parameters are those it ran: the first use of each shape in a
# test process and every 4th after it (every use cost a quarter of the matrix's time).
COMPILED_QUERY_CHECK = 4
