"""Industry benefit-linking (产业扶贫利益联结): a register of the enterprises,
cooperatives and family farms of an area, each household's link to one of them (by a
mode: direct, entrusted, shareholding, employment, order purchase), the dividends paid on
a link by year, and consumption-assistance purchases (消费扶贫). Models stay thin: the
rules are in `rules.py`, the writes in `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.programmes.models import LedgerRow


class EnterpriseKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    COOPERATIVE = "cooperative", _("Farmers' cooperative")  # 农民专业合作社
    FAMILY_FARM = "family_farm", _("Family farm")  # 家庭农场


class Sector(models.TextChoices):
    PLANTING = "planting", _("Crops and orchards")  # 种植业
    BREEDING = "breeding", _("Livestock and fish")  # 养殖业
    PROCESSING = "processing", _("Processing of farm produce")  # 农产品加工
    TOURISM = "tourism", _("Rural tourism")  # 乡村旅游
    ECOMMERCE = "ecommerce", _("E-commerce")  # 电子商务
    MANUFACTURING = "manufacturing", _("Manufacturing and workshops")  # 扶贫车间
    OTHER = "other", pgettext_lazy("sector", "Other")


def _user_fk(label):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=label,
    )


class Enterprise(ChoiceLabels, models.Model):
    """An enterprise, cooperative or family farm of the register, in the division where
    it is registered (a village, a township or the county): read by that area's users."""

    name = models.CharField(pgettext_lazy("enterprise", "name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(
        pgettext_lazy("enterprise", "kind"), max_length=12, choices=EnterpriseKind.choices
    )
    sector = models.CharField(_("sector"), max_length=14, choices=Sector.choices)
    division = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    created_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "division__code"
    # A register of the area, nothing personal: a paired cadre reads it.
    CADRE_VISIBLE = True

    class Meta:
        verbose_name = _("enterprise or cooperative")
        verbose_name_plural = _("enterprises and cooperatives")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["division", "name"], name="enterprise_division_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return str(self.division_id)


class LinkMode(models.TextChoices):
    DIRECT = "direct", _("Direct assistance")  # 直接帮扶
    ENTRUSTED = "entrusted", _("Entrusted assistance")  # 委托帮扶
    SHAREHOLDING = "shareholding", _("Shareholding")  # 股份合作
    EMPLOYMENT = "employment", _("Employment-driven")  # 就业带动
    ORDER = "order", _("Order purchase")  # 订单收购


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("benefit link", "Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class BenefitLink(LedgerRow):
    """A household's link to an enterprise (利益联结): proposed by staff with the mode,
    the dates and, for entrusted or shareholding links, the amount put in (委托/入股
    资金); confirmed or refused by a township or county user who did not propose it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="links", verbose_name=_("enterprise")
    )
    mode = models.CharField(_("linking mode"), max_length=12, choices=LinkMode.choices)
    starts_on = models.DateField(_("linked from"))
    ends_on = models.DateField(_("linked until"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount put in (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        pgettext_lazy("benefit link", "status"),
        max_length=10,
        choices=LinkStatus.choices,
        default=LinkStatus.PROPOSED,
        db_index=True,
    )
    proposed_by = _user_fk(_("proposed by"))
    decided_by = _user_fk(_("decided by"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("benefit link")
        verbose_name_plural = _("benefit links")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "household", "mode", "starts_on"], name="link_natural_key"
            )
        ]
        indexes = [models.Index(fields=["village", "starts_on"], name="link_village_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.household_id} {self.mode}"


class Dividend(LedgerRow):
    """A dividend paid on a confirmed link for a year (分红), once per link and year."""

    link = models.ForeignKey(
        BenefitLink, on_delete=models.PROTECT, related_name="dividends", verbose_name=_("link")
    )
    year = models.PositiveSmallIntegerField(_("dividend year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid out on"))
    recorded_by = _user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("dividend")
        verbose_name_plural = _("dividends")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["link", "year"], name="dividend_natural_key")
        ]
        indexes = [models.Index(fields=["village", "paid_on"], name="dividend_village_idx")]

    def __str__(self) -> str:
        return f"{self.link_id} {self.year} {self.amount}"


class Purchase(models.Model):
    """A consumption-assistance purchase (消费扶贫): a buyer unit buys a product from an
    enterprise of the register or from a household. Read in the supplier's area (the
    enterprise's division or the household's village on the day, copied)."""

    buyer = models.CharField(_("buyer unit"), max_length=120)
    product = models.CharField(_("product"), max_length=120)
    supplier_enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="sales",
        null=True,
        blank=True,
        verbose_name=_("supplying enterprise"),
    )
    supplier_household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("supplying household"),
    )
    division = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("area"),
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    purchased_on = models.DateField(_("purchased on"))
    recorded_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "division__code"
    # A paired cadre: the purchases from the households it serves.
    HOUSEHOLD_LOOKUP = "supplier_household"

    class Meta:
        verbose_name = _("consumption-assistance purchase")
        verbose_name_plural = _("consumption-assistance purchases")
        ordering = ["-purchased_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(supplier_enterprise__isnull=False, supplier_household__isnull=True)
                    | models.Q(supplier_enterprise__isnull=True, supplier_household__isnull=False)
                ),
                name="purchase_one_supplier",
            )
        ]
        indexes = [models.Index(fields=["division", "purchased_on"], name="purchase_area_idx")]

    def __str__(self) -> str:
        return f"{self.buyer} {self.product} {self.amount}"

    @property
    def area_code(self) -> str:
        return str(self.division_id)
