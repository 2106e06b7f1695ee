"""The import's look-ups in the registry, inside its transaction: the file's keys go
into temporary tables (so that the cost follows the file, not the registry), the stored
households, people and incomes they name are read into frames, and the rules that need
them run (scope, "one person, one household", status cells, one head, amounts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from fupin.core.frames import read_frame, read_model, write_table
from fupin.core.scope import code_range
from fupin.exchange.models import ExchangeRun
from fupin.exchange.parsing import Parsed
from fupin.exchange.rules import amount_precision, cascade, head_rule, person_rules, procedure_cells
from fupin.geo.models import Division, Level
from fupin.policy.selectors import NoPolicy, current_policy
from fupin.registry import choices as c
from fupin.registry.models import Household, IncomeRecord, Member


class ImportRefused(Exception):
    """Raised inside the transaction to roll it back (all-or-nothing, dry run)."""


@dataclass
class SheetCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class State:
    parsed: dict[str, Parsed]
    counts: dict[str, SheetCounts]
    actor: object
    prefix: str
    now: dt.datetime
    reason: str
    today: dt.date = dt.date.min
    mode: str = ExchangeRun.Mode.UPSERT
    initial_load: bool = False
    existing_households: pl.DataFrame | None = None
    existing_members: pl.DataFrame | None = None
    existing_incomes: pl.DataFrame | None = None

    def take_stored(self, key: str) -> pl.DataFrame:
        """The stored rows that `database_checks` read for sheet `key` ("households",
        "members", "incomes"), handed over once: the write lets them go as soon as it has
        compared them (a re-import holds a million people's stored rows next to the
        file's)."""
        attr = f"existing_{key}"
        frame: pl.DataFrame | None = getattr(self, attr)
        if frame is None:
            raise RuntimeError(f"the stored {key} were not read (database_checks first)")
        setattr(self, attr, None)
        return frame


def temp_keys(name: str, column: str, values: pl.Series) -> str:
    quote = connection.ops.quote_name
    table = quote(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} ({quote(column)} text PRIMARY KEY)")
    # Sorted: the key's index then grows at its end instead of at a million random
    # places (1M ID numbers: 5.1 s → 1.7 s on SQLite).
    write_table(name, pl.DataFrame({column: values.drop_nulls().unique().sort()}))
    return table


def drop_temp(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def stored_heads() -> pl.DataFrame:
    """The active heads of the file's households (tmp_import_numbers), read once."""
    return read_frame(
        "SELECT h.number AS household_number, m.id_number FROM registry_member m "
        "JOIN registry_household h ON h.id = m.household_id "
        "JOIN tmp_import_numbers t ON t.number = h.number "
        "WHERE m.is_active AND m.relation = %s",
        [c.Relation.HEAD],
        schema={"household_number": pl.String, "id_number": pl.String},
    )


def rounding_counties(counties: set[str], today: dt.date) -> set[str]:
    """The counties (6-digit codes) whose policy in force prefers rounding amounts of more
    than two decimals to the fen (PolicySet.round_amounts) over refusing them; read once
    per county of the file."""

    out = set()
    for county in counties:
        try:
            if current_policy(county.ljust(12, "0"), on=today).round_amounts:
                out.add(county)
        except NoPolicy:
            pass
    return out


def initial_load_area(h: Parsed | None) -> None:
    """An initial load goes only into counties with no households yet: refused (naming
    how many there are) otherwise."""
    if h is None:
        return

    counties = sorted(
        {code[:6] for code in h.frame["village_code"].drop_nulls().unique().to_list()}
    )
    for county in counties:
        low, high = code_range(county)
        n = Household.objects.filter(village_id__gte=low, village_id__lte=high).count()
        if n:
            division = Division.objects.filter(code=county.ljust(12, "0")).first()
            raise ImportRefused(
                _(
                    "%(area)s already has %(n)s households: an initial load is only for an "
                    "area with none. Import into it without --initial-load (new households "
                    "then start as candidates)."
                )
                % {"area": division.name if division else county, "n": n}
            )


def villages_in_scope(prefix: str) -> set[str]:
    return set(
        Division.objects.in_area(prefix).filter(level=Level.VILLAGE).values_list("code", flat=True)
    )


def departed_of() -> pl.DataFrame:
    """The file's people (tmp_import_ids) who are no longer members of a household they
    were in: one row per inactive member, with the household, its village and the leaving
    change (kind, date, reason; empty where none was recorded), read once."""
    leaves = sorted(c.MEMBER_LEAVES)
    marks = ", ".join(["%s"] * len(leaves))
    sql = (
        "SELECT m.id_number, h.number AS household_number, h.village_id AS village_code, "  # noqa: S608
        "m.left_on, c.kind, c.date AS change_date, c.reason, c.id AS change_id "
        "FROM registry_member m JOIN tmp_import_ids t ON t.id_number = m.id_number "
        "JOIN registry_household h ON h.id = m.household_id "
        "LEFT JOIN registry_memberchange c ON c.member_id = m.id "
        f"AND c.kind IN ({marks}) WHERE NOT m.is_active"
    )
    frame = read_frame(sql, leaves)
    text = ["id_number", "household_number", "village_code", "kind", "reason"]
    return frame.select(
        *[pl.col(name).cast(pl.String) for name in text],
        pl.coalesce(
            pl.col("change_date").cast(pl.String).str.slice(0, 10).str.to_date(strict=False),
            pl.col("left_on").cast(pl.String).str.slice(0, 10).str.to_date(strict=False),
        ).alias("date"),
        pl.col("change_id").cast(pl.Int64, strict=False),
    ).sort(["date", "change_id"], nulls_last=False)


def amounts_to_the_fen(
    state: State, h: Parsed | None, i: Parsed | None, in_scope: pl.DataFrame
) -> None:
    """`amount_precision` for the households sheet (the row's village) and the incomes
    sheet (the village of its household, in the file or else in the registry)."""
    if not ((h is not None and h.sub_fen) or (i is not None and i.sub_fen)):
        return
    known = in_scope.select(pl.col("number").alias("household_number"), "village_id")
    if h is not None:
        known = pl.concat(
            [
                h.frame.select("household_number", pl.col("village_code").alias("village_id")),
                known,
            ]
        ).unique("household_number", keep="first", maintain_order=True)
    counties = {v[:6] for v in known["village_id"].drop_nulls().to_list()}
    rounding = rounding_counties(counties, state.today)
    if h is not None:
        amount_precision(h, h.frame["village_code"], rounding)
    if i is not None:
        villages = i.frame.select("household_number").join(
            known, on="household_number", how="left", maintain_order="left"
        )["village_id"]
        amount_precision(i, villages, rounding)


def database_checks(state: State) -> None:
    """Scope, existing households and people, inside the import's transaction."""
    h, m, i = (state.parsed.get(k) for k in ("households", "members", "incomes"))
    numbers = (
        pl.concat([p.frame["household_number"] for p in (h, m, i) if p is not None])
        .drop_nulls()
        .unique()
    )
    temp_keys("tmp_import_numbers", "number", numbers)
    existing = read_model(
        Household,
        "SELECT h.* FROM registry_household h JOIN tmp_import_numbers t ON t.number = h.number",
        [],
    )
    state.existing_households = existing
    # Sets of numbers stay Polars columns: a re-import names a million people's households.
    low, high = code_range(state.prefix)
    in_area = pl.col("village_id").is_between(pl.lit(low), pl.lit(high))
    in_scope = existing.filter(in_area)
    outside = existing.filter(~in_area)["number"]
    villages = villages_in_scope(state.prefix)
    amounts_to_the_fen(state, h, i, in_scope)
    if h is not None:
        f = h.frame
        h.reject(
            f["household_number"].is_in(outside.implode()),
            "household_number",
            _("This household number belongs to a household outside your area."),
        )
        f = h.frame

        unknown = set(f["village_code"].drop_nulls().unique().to_list()) - villages
        known_elsewhere = (
            set(Division.objects.filter(code__in=list(unknown)).values_list("code", flat=True))
            if unknown
            else set()
        )
        h.reject(
            f["village_code"].is_in(list(known_elsewhere)),
            "village_code",
            _("This village is outside your area."),
        )
        h.reject(
            f["village_code"].is_in(list(unknown - known_elsewhere)),
            "village_code",
            _("There is no village with this code."),
        )
        procedure_cells(
            h,
            in_scope,
            outside,
            today=state.today,
            mode=state.mode,
            initial_load=state.initial_load,
        )
    # The households of the file (kept or rejected: a rejected one says why already) and
    # those stored in the area.
    known = pl.concat(
        [in_scope["number"], *([h.frame["household_number"]] if h is not None else [])]
    ).implode()
    for child in (m, i):
        if child is None:
            continue
        f = child.frame
        missing = ~f["household_number"].is_in(known) & f["_ok"]
        child.reject(
            missing.fill_null(False),
            "household_number",
            _("No household with this number in the households sheet or in your area."),
        )
    if m is not None:
        temp_keys("tmp_import_ids", "id_number", m.frame["id_number"])
        people = read_model(
            Member,
            "SELECT m.*, h.number AS household_number, h.village_id AS village_code "
            "FROM registry_member m JOIN tmp_import_ids t ON t.id_number = m.id_number "
            "JOIN registry_household h ON h.id = m.household_id WHERE m.is_active",
            [],
        )
        state.existing_members = people
        person_rules(m, people, departed_of(), state.prefix)
    cascade(h, m, i)
    if m is not None:
        head_rule(m, stored_heads())
    drop_temp("tmp_import_ids")
    if i is not None:
        state.existing_incomes = read_model(
            IncomeRecord,
            "SELECT i.*, h.number AS household_number FROM registry_incomerecord i "
            "JOIN registry_household h ON h.id = i.household_id "
            "JOIN tmp_import_numbers t ON t.number = h.number",
            [],
        )
    drop_temp("tmp_import_numbers")
