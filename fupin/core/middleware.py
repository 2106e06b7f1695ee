import uuid

from fupin.core import context


class RequestIdMiddleware:
    """Gives every request an id, kept with each change record it causes (like NetBox)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid.uuid4()
        token = context.request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
        response["X-Request-Id"] = str(request_id)
        return response
