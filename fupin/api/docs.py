"""Swagger UI served from this server: the intranet has no internet, so nothing may
come from a CDN. The assets ship inside the django-ninja package; they are served
from there by a small view (no settings change, no copy in our tree)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Swagger

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"}


class LocalSwagger(Swagger):
    template = "fupin_api/swagger.html"

    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        settings = dict(self.settings, url=self.get_openapi_url(api, kwargs))
        context = {
            "swagger_settings": json.dumps(settings, indent=1),
            "api": api,
            "add_csrf": True,  # the session auth checks CSRF on unsafe methods
        }
        return render(request, self.template, context)


@require_GET
@cache_control(max_age=86400, public=True)
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404
    path = ASSET_DIR / name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), content_type=content_type)
