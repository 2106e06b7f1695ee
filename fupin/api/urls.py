"""/api/v1/: the ninja API, its locally served docs assets, and JSON errors for requests
that never reach an endpoint (unknown path, method not allowed)."""

from django.urls import path, re_path

from fupin.api.api import api
from fupin.api.docs import docs_asset
from fupin.api.errors import json_method_not_allowed, json_not_found

_patterns, _app, _namespace = api.urls
# (no module-level `app_name`: include() would take it as this urlconf's namespace)
for _pattern in _patterns:
    _pattern.callback = json_method_not_allowed(_pattern.callback)

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", (_patterns, _app, _namespace)),
    re_path(r"^.*$", json_not_found),
]
