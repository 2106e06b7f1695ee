import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Capability, Role, has_capability


class User(AbstractUser):
    """A person who uses fupin: one role, one area (a node of the division tree)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("area"),
    )
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def can(self, capability: str) -> bool:
        return has_capability(self, capability)

    @property
    def may_reveal(self) -> bool:
        return self.can(Capability.REVEAL_PII)

    @property
    def may_edit(self) -> bool:
        return self.can(Capability.EDIT_REGISTRY)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, key: str):
        token = (
            self.select_related("user", "user__area")
            .filter(key_hash=_hash(key), revoked=False)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        if token.expires_at and token.expires_at < timezone.now():
            return None
        return token


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        # A fixed start: a key is recognisable (secret scanners, logs), and its listed
        # prefix never begins with "-", which the command line would take for an option.
        key = "fp_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=_hash(key))
        return token, key
