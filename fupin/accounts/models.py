import datetime as dt
import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Capability, Role, has_capability


class FupinUserManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: object,
    ) -> "User":
        """A superuser is the system administrator unless told otherwise: `fupin
        createsuperuser` asks for no role, and one without a role could not do what only
        the system administrator may (the initial load of a registry)."""
        extra_fields.setdefault("role", Role.SYSADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who uses fupin: one role, one area (a node of the division tree)."""

    objects: ClassVar[FupinUserManager] = FupinUserManager()

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

    @property
    def reads_whole_area(self) -> bool:
        """Whether the user reads every household of its area (fupin.core.scope asks;
        a paired cadre reads only the households it serves)."""
        return self.can(Capability.READ_AREA)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


DEFAULT_TOKEN_DAYS = 90


def token_days() -> int:
    """How long a new API token lives unless told otherwise (settings.API_TOKEN_DAYS,
    from FUPIN_API_TOKEN_DAYS; 90 days by default)."""
    return int(getattr(settings, "API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS))


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def lookup(self, key: str) -> "ApiToken | None":
        """The token with this key, whatever its state (revoked, expired), or None."""
        return self.select_related("user", "user__area").filter(key_hash=_hash(key)).first()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its hash is stored; the key is shown once.

    A token has a scope (read: GET/HEAD/OPTIONS only; read-write: also the writes the
    user's role allows) and an expiry date (every token expires)."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @classmethod
    def issue(
        cls, user: User, name: str, *, scope: str = Scope.READ, days: int | None = None
    ) -> tuple["ApiToken", str]:
        """A new token of `scope` that expires after `days` (default: token_days())."""
        if scope not in cls.Scope.values:
            raise ValueError(f"unknown scope {scope!r}")
        days = token_days() if days is None else days
        if days < 1:
            raise ValueError("a token lives at least one day")
        # A fixed start: a key is recognisable (secret scanners, logs), and its listed
        # prefix never begins with "-", which the command line would take for an option.
        key = "fp_" + secrets.token_urlsafe(32)
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:8],
            key_hash=_hash(key),
            scope=scope,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        return token, key
