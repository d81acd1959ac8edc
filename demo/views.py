"""The benchmark's baseline: a bare Django view doing one indexed SELECT.

Routed only when ``BENCHMARK_BARE_VIEW`` is on (``config.urls``), which only the benchmark
command's own server sets: the service never exposes it. It reads nothing personal (an
organisation's name by primary key), so it goes through the whole middleware stack like
every page and measures what a request costs before any page's own work.
"""

from django.db import connection
from django.http import JsonResponse


def bare(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM partners_organisation WHERE id = %s", [1])
        row = cursor.fetchone()
    return JsonResponse({"ok": True, "found": row is not None})
