"""What every page view shares: login, the edit check, and calling a service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from fupin.core.errors import DomainError, NotAllowed, OutsideArea
from fupin.web.forms import apply_errors


def require_may_edit(user) -> None:
    if not user.may_edit:
        raise PermissionDenied


def call_service(form, service, **kwargs):
    """Run a write service; domain errors land on the form, scope errors become 404/403.

    Returns the service's result, or None when the form now carries errors.
    """
    try:
        return service(**kwargs)
    except OutsideArea:
        raise Http404 from None
    except NotAllowed as exc:  # the 403 page shows why (and who else must act)
        raise PermissionDenied(str(exc.message)) from None
    except DomainError as exc:
        apply_errors(form, exc)
        return None
    except ValidationError as exc:  # a model's full_clean inside a service
        for name, msgs in exc.message_dict.items():
            for msg in msgs:
                form.add_error(name if name in form.fields else None, msg)
        return None
