"""API tokens: `fupin token create --user NAME --name PURPOSE [--scope read|write]
[--days N]` prints the key once; `fupin token revoke PREFIX` revokes it;
`fupin token list [--user NAME]`.

A token is read-only unless created with `--scope write`, and expires after
settings.API_TOKEN_DAYS (90 by default, FUPIN_API_TOKEN_DAYS) unless `--days N`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fupin.accounts.models import ApiToken, User, token_days


class Command(BaseCommand):
    help = "Create, list and revoke REST API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token; the key is printed once.")
        create.add_argument("--user", required=True, help="Username of the token's owner.")
        create.add_argument("--name", required=True, help="What the token is for.")
        create.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.READ,
            help="read (GET only, the default) or write (also the writes the role allows).",
        )
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Expire after N days (default {token_days()}, FUPIN_API_TOKEN_DAYS).",
        )
        revoke = sub.add_parser("revoke", help="Revoke the token with this key prefix.")
        revoke.add_argument("prefix", help="The first characters of the key (as listed).")
        lst = sub.add_parser("list", help="List tokens (prefixes only).")
        lst.add_argument("--user", default=None)

    def handle(self, *args: str, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _create(self, *, user: str, name: str, scope: str, days: int | None, **_: object) -> None:
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user {user!r}.")
        if not owner.is_active:
            raise CommandError(f"User {user!r} is not active.")
        if scope not in ApiToken.Scope.values:
            raise CommandError(f"--scope must be one of {', '.join(ApiToken.Scope.values)}.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        token, key = ApiToken.issue(owner, name, scope=scope, days=days)
        self.stderr.write(
            f"Token {token.prefix}… for {owner.username} ({name}), scope {token.scope}, "
            f"expires {token.expires_at:%Y-%m-%d}. The key is shown only now; store it safely:"
        )
        self.stdout.write(key)

    def _revoke(self, *, prefix: str, **_: object) -> None:
        if len(prefix) < 4:
            raise CommandError("Give at least 4 characters of the prefix.")
        matches = list(ApiToken.objects.filter(prefix__startswith=prefix[:8], revoked=False))
        if not matches:
            raise CommandError(f"No active token with prefix {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} tokens start with {prefix!r}; give more characters."
            )
        token = matches[0]
        token.revoked = True
        token.save(update_fields=["revoked"])
        self.stdout.write(f"Revoked {token.prefix}… ({token.name}) of {token.user.username}.")

    def _list(self, *, user: str | None, **_: object) -> None:
        qs = ApiToken.objects.select_related("user").order_by("created_at")
        if user:
            qs = qs.filter(user__username=user)
        for t in qs:
            state = "revoked" if t.revoked else "active"
            if not t.revoked and t.expires_at and t.expires_at < timezone.now():
                state = "expired"
            expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-"
            self.stdout.write(
                f"{t.prefix}\t{t.user.username}\t{t.name}\t{t.scope}\t"
                f"{t.created_at:%Y-%m-%d}\t{expires}\t{state}"
            )
