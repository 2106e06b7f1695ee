"""Writes to the division tree and village profiles."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import OperationalError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.bulk import analyze
from fupin.core.errors import ValidationFailed
from fupin.core.frames import db_ready, full_frame, read_frame, update_frame, write_frame
from fupin.core.history import recording
from fupin.core.scope import CODE_LENGTH, require_edit
from fupin.core.types import AreaUser
from fupin.geo.hooks import exit_owner
from fupin.geo.models import (
    PREFIX_LENGTH,
    CountyProfile,
    Division,
    Level,
    VillageProfile,
)


def level_of_code(code: str) -> Level:
    """Level from the shape of a 12-digit code: trailing zero groups mark higher levels."""
    if len(code) != 12 or not code.isdigit():
        raise ValueError(_("A division code has 12 digits: %(code)s") % {"code": code})
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.PREFECTURE
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def parent_code(code: str, level: Level) -> str | None:
    if level == Level.PROVINCE:
        return None
    parent_level = Level(level - 1)
    return code[: PREFIX_LENGTH[parent_level]].ljust(12, "0")


@dataclass
class DivisionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Lines that repeat an earlier line's code and name (the official list gives a
    # prefecture-level city without counties, such as 东莞市, again as its own county):
    # accepted once, counted here.
    repeated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


# The longest name a division may have (the column's length).
NAME_LENGTH: int = Division._meta.get_field("name").max_length or 0


def _level_expr(code: pl.Expr) -> pl.Expr:
    """`level_of_code` over a column of 12-digit codes (the same rule, set-based): one
    level below the province for each level whose cut leaves digits that are not all
    zero (if a cut leaves zeros, every longer cut does too)."""
    levels = sorted(PREFIX_LENGTH)[:-1]  # province … township
    deeper = [
        (code.str.slice(PREFIX_LENGTH[level]) != "0" * (CODE_LENGTH - PREFIX_LENGTH[level]))
        for level in levels
    ]
    return (pl.lit(int(levels[0])) + pl.sum_horizontal(deeper)).cast(pl.Int16)


def _parent_expr(code: pl.Expr, level: pl.Expr) -> pl.Expr:
    """`parent_code` over columns of codes and their levels (null for a province)."""
    cut = level.replace_strict(
        {int(lv): PREFIX_LENGTH[Level(lv - 1)] for lv in Level if lv > Level.PROVINCE},
        default=None,
        return_dtype=pl.Int64,
    )
    return (
        pl.when(level > int(Level.PROVINCE))
        .then(code.str.slice(0, cut).str.pad_end(CODE_LENGTH, "0"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


ROWS_SCHEMA = {"line": pl.Int64, "code": pl.String, "name": pl.String}


def read_divisions_csv(text: str) -> pl.DataFrame:
    """The rows of a code,name CSV text as a frame of line, code, name (a header line is
    optional; blank lines are skipped). `line` is the line of the file, counted as records:
    a name that spans lines inside quotes would shift the numbers after it."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return pl.DataFrame(schema=ROWS_SCHEMA)
    # Two columns, whatever the first line holds (a line without a name gives a null
    # name; further columns are ignored).
    frame = pl.read_csv(
        io.StringIO(text),
        has_header=False,
        schema={"code": pl.String, "name": pl.String},
        missing_columns="insert",
        truncate_ragged_lines=True,
    ).with_row_index("line", offset=1)
    frame = frame.filter(pl.col("code").is_not_null() | pl.col("name").is_not_null())
    first = frame["code"][0] if frame.height else None
    if frame.height and not (first or "").strip().isdigit():  # a header line
        frame = frame.slice(1)
    return frame.select(pl.col("line").cast(pl.Int64), "code", "name")


def load_divisions(rows: Iterable[tuple[str, str]] | pl.DataFrame) -> DivisionLoadResult:
    """Load divisions, all or nothing: any bad line refuses the load and leaves the
    database as it was. `rows` are (code, name) pairs, numbered as lines from 2 (after a
    header), or a frame of line, code, name as `read_divisions_csv` gives.

    Codes may be given with 2/4/6/9/12 digits; they are padded to 12. A division's level
    and parent follow from its code, so a repeated code can only disagree in its name: a
    repeat with the same name is accepted once, one with another name refuses the load
    with the numbers of all the lines giving that code. Every division but a province
    needs its parent, in the file or already loaded. Names of divisions already loaded are
    updated (a newer year's list); divisions missing from the file are kept (households
    and history point at them). Set-based: the file is checked in Polars and written with
    COPY (PostgreSQL) or one prepared INSERT (SQLite).
    """
    if isinstance(rows, pl.DataFrame):
        given = rows.select(
            pl.col("line").cast(pl.Int64), pl.col("code").cast(pl.String), pl.col("name")
        )
    else:
        pairs = list(rows)
        given = pl.DataFrame(
            {
                "line": range(2, len(pairs) + 2),
                "code": [c for c, _n in pairs],
                "name": [n for _c, n in pairs],
            },
            schema=ROWS_SCHEMA,
        )
    result = DivisionLoadResult(errors=[])
    code = pl.col("code").fill_null("").str.strip_chars()
    frame = given.with_columns(
        code=code,
        name=pl.col("name").fill_null("").str.strip_chars(),
        valid=code.str.contains(r"^[0-9]+$")
        & code.str.len_chars().is_in(sorted(set(PREFIX_LENGTH.values())))
        & ~code.str.starts_with("00"),
    ).with_columns(code=pl.col("code").str.pad_end(CODE_LENGTH, "0"))
    errors: list[tuple[int, str]] = []
    for line, bad in frame.filter(~pl.col("valid")).select("line", "code").iter_rows():
        errors.append((line, _("bad division code %(code)r") % {"code": bad}))
    frame = frame.filter("valid").drop("valid")
    for line, c in frame.filter(pl.col("name") == "").select("line", "code").iter_rows():
        errors.append((line, _("division %(code)s has no name") % {"code": c}))
    too_long = frame.filter(pl.col("name").str.len_chars() > NAME_LENGTH)
    for line, c in too_long.select("line", "code").iter_rows():
        errors.append(
            (
                line,
                _("the name of division %(code)s is longer than %(max)d characters")
                % {"code": c, "max": NAME_LENGTH},
            )
        )
    # The codes given, named or not (a child of a line refused for its name is not an
    # orphan as well); the lines refused for their name take no further part.
    given_codes = frame.select("code")
    frame = frame.filter((pl.col("name") != "") & (pl.col("name").str.len_chars() <= NAME_LENGTH))
    # Repeated codes: identical repeats are one division; different names refuse them all.
    # Sorted by code (a parent's code sorts before its children's), stable: the first
    # line of a code stays first.
    frame = frame.sort("code", maintain_order=True)
    repeats = frame.filter(pl.col("code").is_duplicated())
    conflicts = repeats.group_by("code", maintain_order=True).agg(
        pl.col("line").sort(), pl.col("name").unique(maintain_order=True)
    )
    for c, lines, names in conflicts.filter(pl.col("name").list.len() > 1).iter_rows():
        message = _("division %(code)s is given different names on lines %(lines)s: %(names)s") % {
            "code": c,
            "lines": ", ".join(str(n) for n in lines),
            "names": " / ".join(names),
        }
        errors.extend((line, message) for line in lines)
    result.repeated = repeats.height - conflicts.height
    frame = (
        frame.filter(pl.col("code").is_first_distinct())
        .with_columns(level=_level_expr(pl.col("code")))
        .with_columns(parent_id=_parent_expr(pl.col("code"), pl.col("level")))
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One load at a time (each reads the codes the other is about to write);
            # readers go on.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE geo_division IN SHARE ROW EXCLUSIVE MODE")
        existing = read_frame(
            "SELECT code, name FROM geo_division",
            schema={"code": pl.String, "name": pl.String},
        ).rename({"name": "old_name"})
        known = pl.concat([given_codes, existing.select("code")])
        orphans = frame.filter(
            pl.col("parent_id").is_not_null() & ~pl.col("parent_id").is_in(known["code"].implode())
        )
        for line, c, parent in orphans.select("line", "code", "parent_id").iter_rows():
            message = _("division %(code)s has no parent %(parent)s")
            errors.append((line, message % {"code": c, "parent": parent}))
        if errors:
            result.errors = sorted(errors, key=lambda e: e[0])
            return result
        joined = frame.join(existing, on="code", how="left")
        new = joined.filter(pl.col("old_name").is_null())
        renamed = joined.filter(
            pl.col("old_name").is_not_null() & (pl.col("old_name") != pl.col("name"))
        )
        result.created = new.height
        result.updated = renamed.height
        result.unchanged = frame.height - new.height - renamed.height
        villages = new.filter(pl.col("level") == int(Level.VILLAGE)).select(
            pl.col("code").alias("village_id"),
            pl.lit(timezone.now(), dtype=pl.Datetime("us", "UTC")).alias("updated_at"),
        )
        with _foreign_keys_checked_once(new.height > BIG_LOAD, Division, VillageProfile):
            write_frame(Division, new.select("code", "name", "level", "parent_id"))
            write_frame(
                VillageProfile, db_ready(full_frame(villages, VillageProfile), VillageProfile)
            )
        update_frame(Division, renamed.select("code", "name"), key="code")
    if result.created > BIG_LOAD:
        analyze(Division, VillageProfile)
    return result


# A load creating more divisions than this checks its foreign keys once, as a set, and
# refreshes the planner's statistics.
BIG_LOAD = 10_000
# How long a big load waits for the exclusive lock that dropping its keys takes.
KEY_LOCK_WAIT = "1s"


@contextmanager
def _foreign_keys_checked_once(big: bool, *models: type[Model]) -> Iterator[None]:
    """On PostgreSQL, for a big load: the foreign keys of the models' tables are dropped
    for the block and added again after it, inside the caller's transaction. Adding a
    key checks every row in one query; kept, the key is checked by a trigger per row at
    commit (12 s of the national list's 1.3 million rows, more than the COPY itself).
    Dropping takes the tables' exclusive lock until commit: readers of the division tree
    wait for a big load (seconds), as they would see nothing of it before its commit
    anyway. When that lock is not granted within KEY_LOCK_WAIT (another transaction reads
    the tables: an import checking its villages, pg_dump), the keys are kept: waiting,
    the load would queue every reader of a division behind it until that transaction
    ends. Elsewhere, or for a small load, the block runs as it is."""
    if not big or connection.vendor != "postgresql" or not _lock_exclusively(models):
        yield
        return
    tables = [m._meta.db_table for m in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def _lock_exclusively(models: tuple[type[Model], ...]) -> bool:
    """Take the tables' ACCESS EXCLUSIVE lock until commit if it comes within
    KEY_LOCK_WAIT (PostgreSQL, inside a transaction); False if it does not."""
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint
            cursor.execute("SELECT current_setting('lock_timeout')")
            (before,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [KEY_LOCK_WAIT])
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    except OperationalError as e:
        if getattr(e.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        return False
    return True


def load_divisions_csv(text: str) -> DivisionLoadResult:
    return load_divisions(read_divisions_csv(text))


# The fields the village profile page edits. A village's year of exit is not among them:
# it is written only by the village exit procedure (`set_village_exit`, called by
# fupin.cases.area.services when the county approves), and its poor-village status is kept
# by that procedure once the village has an exit case (`geo.hooks.exit_owner`).
PROFILE_FIELDS = [
    "is_poor_village",
    "rural_population",
    "rural_households",
    "collective_income",
    "has_hardened_road",
    "has_bus",
    "has_safe_water",
    "has_power",
    "has_broadband",
    "has_clinic",
    "has_cultural_room",
]


def _owned_by_procedure(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})


def village_profile_update(
    *, profile: VillageProfile, actor: AreaUser, data: dict[str, Any], reason: str = ""
) -> VillageProfile:
    require_edit(actor, profile.village_id)
    with transaction.atomic():
        profile = VillageProfile.objects.select_for_update().get(pk=profile.pk)
        if "exit_year" in data and data["exit_year"] != profile.exit_year:
            raise _owned_by_procedure(
                "exit_year",
                _(
                    "The year of exit is set by the village exit procedure (贫困村退出) when "
                    "the county approves it: open a village exit case."
                ),
            )
        if "is_poor_village" in data and bool(data["is_poor_village"]) != profile.is_poor_village:
            owner = exit_owner(profile.village_id)
            if owner:
                raise _owned_by_procedure(
                    "is_poor_village",
                    _(
                        "The poor-village status is kept by the village exit procedure "
                        "(贫困村退出) since this village has %(case)s."
                    )
                    % {"case": owner},
                )
        with recording(actor, profile, area_code=profile.village_id, reason=reason):
            for field in PROFILE_FIELDS:
                if field in data:
                    setattr(profile, field, data[field])
            if profile.exit_year and not profile.is_poor_village:
                raise ValidationFailed(
                    {"is_poor_village": [_("Only a poor village has a year of exit.")]}
                )
            profile.full_clean()
            profile.save()
    return profile


def set_village_exit(
    *, village_code: str, year: int | None, actor: AreaUser | None, reason: str
) -> VillageProfile:
    """The village's year of exit (None: not exited), with its change record naming the
    case. Only the village exit procedure calls this, inside its transaction."""
    profile = VillageProfile.objects.select_for_update().get(village_id=village_code)
    if year is not None and not profile.is_poor_village:
        raise ValidationFailed({"exit_year": [_("Only a poor village has a year of exit.")]})
    with recording(actor, profile, area_code=village_code, reason=reason):
        profile.exit_year = year
        profile.save()
    return profile


def set_county_exit(
    *, county_code: str, year: int | None, actor: AreaUser | None, reason: str
) -> CountyProfile:
    """The county's year of exit (摘帽), with its change record naming the case. Only the
    county exit procedure calls this, inside its transaction."""
    profile = CountyProfile.objects.select_for_update().get(county_id=county_code)
    if year is not None and not profile.is_poor_county:
        raise ValidationFailed({"exit_year": [_("Only a poor county has a year of exit.")]})
    with recording(actor, profile, area_code=county_code, reason=reason):
        profile.exit_year = year
        profile.save()
    return profile
