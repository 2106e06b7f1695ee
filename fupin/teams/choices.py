"""Code lists of the work teams: leave states, ledger categories, report states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeaveState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", pgettext_lazy("leave", "Approved")
    REFUSED = "refused", pgettext_lazy("leave", "Refused")


class LedgerCategory(models.TextChoices):
    """The work ledger's headings (工作台账) a first secretary keeps."""

    PARTY = "party", _("Party building")
    INDUSTRY = "industry", _("Industry and income")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    VISITS = "visits", _("Household visits")
    POLICY = "policy", _("Policy publicity")
    DISPUTES = "disputes", _("Disputes and petitions")
    OTHER = "other", pgettext_lazy("ledger category", "Other")


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received by the township")
