"""Domain errors. Each carries a stable code; views map them to form errors and the API
maps them to JSON bodies {"code": ..., "message": ...} once, in one place."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(
        self, message: str | Promise | None = None, *, field: str | None = None, **params: object
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        self.params = params
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    code = "invalid"
    status = 422
    default_message = _("Some values are not valid.")

    def __init__(self, errors: dict[str, list[str]], message: str | Promise | None = None) -> None:
        self.errors = errors
        super().__init__(message)


class IdNumberInvalid(DomainError):
    code = "id_number_invalid"
    status = 422


class DuplicatePerson(DomainError):
    code = "duplicate_person"
    status = 409


class OutsideArea(DomainError):
    code = "outside_area"
    status = 404
    default_message = _("Not found.")


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403
    default_message = _("Your role does not allow this.")


class AlreadyDecided(DomainError):
    """Something that is decided once (a countersignature, a proposal, a verification) was
    decided already, usually by someone else meanwhile."""

    code = "already_decided"
    status = 409
