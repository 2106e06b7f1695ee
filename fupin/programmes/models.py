"""The shared shape of a programme ledger's row (扶贫项目台账): a record tied to a registry
household (and optionally one of its members), scoped by the household's village, which
the row keeps in a column of its own so that an area's rows are read from the ledger's
own table (no join to households) and moved with the household (`ledgers.follow_households`,
through registry.hooks). Each ledger app subclasses `LedgerRow`; its services record
every change (fupin.core.history) with the row's `area_code`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet


class LedgerRow(ChoiceLabels, models.Model):
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("person"),
    )
    # The household's village, copied (not a fact of the row: left out of its history,
    # the household's move is recorded on the household).
    village = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("village"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE: tuple[str, ...] = ("village_id",)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.village_id is None and self.household_id is not None:
            self.village_id = self.household.village_id
        super().save(*args, **kwargs)

    @property
    def area_code(self) -> str:
        """The area of the row's change records (fupin.core.history)."""
        return str(self.village_id)


class RecordedBy(models.Model):
    """Who recorded a ledger's row, shown on its page (its change record keeps it too)."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        abstract = True
