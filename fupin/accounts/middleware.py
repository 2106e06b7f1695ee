from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponseBase

from fupin.accounts.roles import Capability, has_capability


class AdminOnlyForSysadminMiddleware:
    """The Django admin exists for system administrators only; others get a 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.path.startswith("/admin/")
            and request.user.is_authenticated
            and not has_capability(request.user, Capability.ADMIN)
        ):
            raise Http404
        return self.get_response(request)
