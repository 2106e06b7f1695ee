"""The health check a load balancer, a systemd watchdog or a monitoring probe calls."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok"} when the database answers, 503 when it does not.

    It reads the caller's session too ("signed_in"): a signed-in call costs what every
    signed-in request costs before its page does any work (middleware, session, user),
    which is what the load bench's ceiling run measures (bench/load.py --ceiling). No
    personal data, no area: the same answer for everyone."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse(
        {"status": "ok", "database": True, "signed_in": request.user.is_authenticated}
    )
