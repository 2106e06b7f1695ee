"""The import's rules, column-wise: within a row (the registration form's rules, as in
registry.services), across rows and sheets (duplicates, household links, household size
vs members), and against what the registry holds (people, status cells, amounts to the fen).
Each takes the `Parsed` sheet and rejects rows or cells with their reasons."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.utils.translation import gettext as _

from fupin.core.scope import code_range
from fupin.exchange import layout as L
from fupin.exchange import parse as P
from fupin.exchange.models import ExchangeRun
from fupin.exchange.parsing import Parsed
from fupin.registry import choices as c
from fupin.registry import rules as registry_rules
from fupin.registry import services as registry


def _first_rows(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """For each row, the `_row` of the first row with the same keys."""
    return frame.select(pl.col("_row").min().over(keys)).to_series()


def text_lengths(p: Parsed) -> None:
    """Texts longer than their model field allows are refused with the model's own message
    (`registry.rules.text_length_columns`; the services' `full_clean` says the same), not
    left to the database (PostgreSQL refused the whole file, SQLite stored them)."""
    texts = {col.code: col.field for col in p.sheet.columns if col.kind == L.TEXT and col.field}
    for code, reasons in registry_rules.text_length_columns(p.frame, p.sheet.model, texts):
        p.reject(reasons.is_not_null(), code, reasons)


def household_rules(p: Parsed) -> None:
    f = p.frame
    dup_first = _first_rows(f, ["household_number"])
    dup = (f["household_number"].is_not_null() & (dup_first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "household_number",
        f.select(
            P.message(
                _("Household listed twice; first at row %(row)s."),
                row=pl.col("_row").min().over("household_number"),
            )
        ).to_series(),
    )
    # The registration form's rules: the column form of `registry.rules` (the services
    # run its row form; a test proves the two agree).
    for field, reasons in registry_rules.household_error_columns(p.frame):
        p.reject(reasons.is_not_null(), field, reasons)
    text_lengths(p)


def member_rules(p: Parsed, today: dt.date) -> None:
    f = p.frame
    ids = f["id_number"]
    dup_first = _first_rows(f, ["id_number"])
    dup = (ids.is_not_null() & (dup_first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "id_number",
        f.select(
            P.message(
                _("This person is listed twice; first at row %(row)s."),
                row=pl.col("_row").min().over("id_number"),
            )
        ).to_series(),
    )
    # The registration form's rules: the column form of `registry.rules` (sex and birth
    # date as a valid ID number says them, education, disability, migrant work).
    p.frame = registry_rules.with_id_facts(p.frame, today)
    for field, reasons in registry_rules.member_error_columns(p.frame, today):
        p.reject(reasons.is_not_null(), field, reasons)
    text_lengths(p)
    # Sex and birth date default to what the ID number says.
    p.frame = p.frame.with_columns(
        sex=pl.coalesce(pl.col("sex"), pl.col(registry_rules.ID_SEX)),
        birth_date=pl.coalesce(pl.col("birth_date"), pl.col(registry_rules.ID_BIRTH)),
    ).drop(registry_rules.ID_SEX, registry_rules.ID_BIRTH)
    # One head per household: `head_rule`, once the registry's heads are known.


def head_rule(p: Parsed, stored_heads: pl.DataFrame) -> None:
    """One active head per household: the column form of `registry.rules` (`second_heads`,
    whose row form `head_errors` the services run) over the file's rows and the heads the
    registry holds for its households (`stored_heads`: household_number, id_number; read
    once). Rows already rejected write nothing and count for nothing."""
    reasons = registry_rules.second_head_messages(p.frame, stored_heads)
    p.reject(reasons.is_not_null(), "relation", reasons)


def income_rules(p: Parsed) -> None:
    f = p.frame
    first = _first_rows(f, ["household_number", "year"])
    dup = (f["year"].is_not_null() & (first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "year",
        f.select(
            P.message(
                _("This year is listed twice for the household; first at row %(row)s."),
                row=pl.col("_row").min().over(["household_number", "year"]),
            )
        ).to_series(),
    )


def size_rule(h: Parsed | None, m: Parsed | None) -> None:
    """The household size on the households sheet vs the rows of the members sheet."""
    if h is not None and m is not None and "household_size" in h.present:
        counts = m.frame.group_by("household_number").agg(pl.len().alias("n"))
        joined = h.frame.join(counts, on="household_number", how="left").with_columns(
            pl.col("n").fill_null(0)
        )
        bad = (
            joined["household_size"].is_not_null() & (joined["household_size"] != joined["n"])
        ).fill_null(False)
        h.reject(
            bad,
            "household_size",
            joined.select(
                P.message(
                    _("The household has %(size)s people but the members sheet lists %(n)s."),
                    size=pl.col("household_size"),
                    n=pl.col("n"),
                )
            ).to_series(),
        )


def cascade(h: Parsed | None, m: Parsed | None, i: Parsed | None) -> None:
    """Members and incomes of a rejected household are rejected with it."""
    if h is None:
        return
    rejected = (
        h.frame.filter(~pl.col("_ok"))
        .select("household_number", pl.col("_row").alias("_hrow"))
        .unique("household_number", keep="first")
    )
    for child in (m, i):
        if child is None or rejected.is_empty():
            continue
        joined = child.frame.join(rejected, on="household_number", how="left")
        mask = joined["_hrow"].is_not_null() & joined["_ok"]
        child.reject(
            mask,
            "household_number",
            joined.select(
                P.message(
                    _("Its household (row %(row)s of the households sheet) was rejected."),
                    row=pl.col("_hrow"),
                )
            ).to_series(),
        )


# ------------------------------------------------------------------ amounts to the fen


def amount_precision(p: Parsed | None, villages: pl.Series, rounding: set[str]) -> None:
    """Cells of more than two decimals (1234.567): refused (row, column, reason), unless the
    county of the row's village prefers rounding; then the value, already rounded half-up
    to the fen by the parser, is kept and the report carries a warning on the cell.
    `villages`: the village code of each row of `p.frame` (null when unknown: refused)."""
    if p is None or not p.sub_fen:
        return
    rounds = villages.str.slice(0, 6).is_in(list(rounding)).fill_null(False)
    for code, flag in p.sub_fen.items():
        live = flag & p.frame["_ok"]
        p.warn(
            live & rounds,
            code,
            p.frame.select(
                P.message(
                    _("Rounded to %(value)s: the county rounds amounts to the fen (分)."),
                    value=pl.col(code),
                )
            ).to_series(),
        )
        p.reject(live & ~rounds, code, P.amount_too_precise_message())
    p.sub_fen = {}


# ------------------------------------------------------------------ status belongs to procedures


def _status_reasons(field: str, old: pl.Series, wanted: pl.Series) -> pl.Series:
    """For each row, why `field` cannot go from the stored household (its status `old`)
    to `wanted`: the registry's own words (`registry.procedural_refusal`), looked up in a
    table of every (stored status, wanted value) pair the file has."""
    pairs = pl.DataFrame({"_old": old, "_want": wanted.cast(pl.String)}).unique().drop_nulls("_old")
    table = pairs.with_columns(
        pl.Series(
            "_reason",
            [
                registry.procedural_refusal(field, o, w)
                for o, w in zip(pairs["_old"], pairs["_want"], strict=True)
            ],
            dtype=pl.String,
        )
    )
    frame = pl.DataFrame({"_old": old, "_want": wanted.cast(pl.String)})
    return frame.join(
        table, on=["_old", "_want"], how="left", nulls_equal=True, maintain_order="left"
    )["_reason"]


def procedure_cells(
    h: Parsed,
    stored: pl.DataFrame,
    outside: pl.Series,
    *,
    today: dt.date,
    mode: str,
    initial_load: bool,
) -> None:
    """Status, status year and monitoring type change only through their procedure (a
    case, the end of a monitoring). On a household already in the registry the file never
    changes them: a cell that would is rejected (sheet, row, column, reason naming the
    procedure) and the stored value is kept, the rest of the row goes on. A new household
    starts as a candidate of this year with no monitoring type; a cell asking otherwise is
    rejected the same way. An all-or-nothing import refuses the file on any rejected cell.
    An initial load (`initial_load`) takes a new household's values as given instead."""
    f = h.frame
    j = f.select("household_number").join(
        stored.select(
            pl.col("number").alias("household_number"),
            pl.col("status").alias("_old_status"),
            pl.col("status_year").cast(pl.Int64).alias("_old_year"),
            pl.col("monitoring_type").alias("_old_type"),
        ),
        on="household_number",
        how="left",
        maintain_order="left",
    )
    exists = j["_old_status"].is_not_null()
    judged = ~f["household_number"].is_in(outside.implode()).fill_null(False)
    old_status = j["_old_status"]
    status, year, mtype = f["status"], f["status_year"].cast(pl.Int64), f["monitoring_type"]

    # A household already in the registry keeps its values.
    known = exists & judged
    h.reject_cell(
        (known & status.is_not_null() & (status != old_status)).fill_null(False),
        "status",
        _status_reasons("status", old_status, status),
    )
    h.reject_cell(
        (known & year.is_not_null() & (year != j["_old_year"])).fill_null(False),
        "status_year",
        _status_reasons("status_year", old_status, year),
    )
    if "monitoring_type" in h.present:
        h.reject_cell(
            (known & (mtype.fill_null("") != j["_old_type"].fill_null(""))).fill_null(False),
            "monitoring_type",
            _status_reasons("monitoring_type", old_status, mtype),
        )

    # A new household.
    new = ~exists & judged
    start = registry.new_household_start(today)
    if initial_load:
        for name in ("status", "status_year"):
            h.reject(
                (new & f[name].is_null()).fill_null(False),
                name,
                _("Required for an initial load."),
            )
    else:
        created = (
            " "
            + _("The household is created as a candidate (待识别) of %(year)s.")
            % {"year": start["status_year"]}
            if mode == ExchangeRun.Mode.UPSERT
            else ""
        )
        for name, bad in (
            ("status", status.is_not_null() & (status != start["status"])),
            ("status_year", year.is_not_null() & (year != start["status_year"])),
            ("monitoring_type", mtype.is_not_null()),
        ):
            h.reject_cell(
                (new & bad).fill_null(False),
                name,
                registry.procedural_refusal(name, None, None) + created,
            )
    h.frame = h.frame.with_columns(
        j["_old_status"], j["_old_year"], j["_old_type"], exists.alias("_exists")
    )
    fresh = pl.lit(initial_load)
    h.frame = h.frame.with_columns(
        status=pl.when("_exists")
        .then(pl.col("_old_status"))
        .when(fresh)
        .then(pl.col("status"))
        .otherwise(pl.lit(start["status"])),
        status_year=pl.when("_exists")
        .then(pl.col("_old_year"))
        .when(fresh)
        .then(pl.col("status_year").cast(pl.Int64))
        .otherwise(pl.lit(start["status_year"], dtype=pl.Int64)),
        monitoring_type=pl.when("_exists")
        .then(pl.col("_old_type"))
        .when(fresh)
        .then(pl.col("monitoring_type"))
        .otherwise(pl.lit(None, dtype=pl.String)),
    ).drop("_old_status", "_old_year", "_old_type", "_exists")


def person_rules(m: Parsed, active: pl.DataFrame, departed: pl.DataFrame, prefix: str) -> None:
    """People of the members sheet against the registry, column-wise. `active`: the file's
    people who are active members somewhere (`household_number`, `village_code`);
    `departed`: their inactive memberships with the leaving change (`departed_of`).

    - Someone recorded as deceased anywhere in the registry, and a member of no household
      now, is rejected: an import never registers them again.
    - Someone who left the file's household (moved out, married out, split off, died) is
      rejected with the date and the reason they left: bringing them back takes a
      member-change case (成员变更), never an import. If they are now a member of another
      household, the reason says which (its number only inside the user's area).
    - Someone who is a member of another household is rejected (one person, one
      household), naming it only inside the user's area."""
    low, high = code_range(prefix)
    kinds = {str(k): str(label) for k, label in c.MemberChangeKind.choices}
    departed = departed.with_columns(
        (pl.col("kind") == c.MemberChangeKind.DEATH).fill_null(False).alias("_death"),
        pl.col("kind").replace_strict(kinds, default=_("left"), return_dtype=pl.String),
        pl.when(pl.col("reason").fill_null("").str.strip_chars() == "")
        .then(pl.lit("—"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    left_here = departed.unique(["id_number", "household_number"], keep="last").select(
        "id_number",
        "household_number",
        pl.col("date").alias("_left_on"),
        pl.col("kind").alias("_left_kind"),
        pl.col("reason").alias("_left_reason"),
    )
    deaths = (
        departed.filter("_death")
        .unique("id_number", keep="last")
        .select(
            "id_number",
            pl.col("date").alias("_died_on"),
            pl.col("household_number").alias("_died_in"),
            pl.col("village_code").is_between(pl.lit(low), pl.lit(high)).alias("_died_here"),
            pl.col("reason").alias("_died_reason"),
        )
    )
    j = (
        m.frame.select("id_number", "household_number")
        .join(
            active.select(
                "id_number",
                pl.col("household_number").alias("_now_in"),
                pl.col("village_code").is_between(pl.lit(low), pl.lit(high)).alias("_now_here"),
            ),
            on="id_number",
            how="left",
            maintain_order="left",
        )
        .join(left_here, on=["id_number", "household_number"], how="left", maintain_order="left")
        .join(deaths, on="id_number", how="left", maintain_order="left")
    )
    now_in = pl.col("_now_in")
    elsewhere = now_in.is_not_null() & (now_in != pl.col("household_number"))
    dead = pl.col("_died_on").is_not_null() & now_in.is_null()
    left = pl.col("_left_on").is_not_null() & (now_in.is_null() | elsewhere) & ~dead
    here = pl.col("_now_here").fill_null(False)
    died_here = pl.col("_died_here").fill_null(False)
    left_said = {
        "date": pl.col("_left_on"),
        "kind": pl.col("_left_kind"),
        "reason": pl.col("_left_reason"),
    }
    reasons = j.select(
        pl.when(dead & died_here)
        .then(
            P.message(
                _(
                    "This person died on %(date)s (recorded in household %(number)s: "
                    "%(reason)s). A person recorded as deceased is not registered again; if "
                    "the record is wrong, bringing them back needs a member-change case "
                    "(成员变更)."
                ),
                date=pl.col("_died_on"),
                number=pl.col("_died_in"),
                reason=pl.col("_died_reason"),
            )
        )
        .when(dead)
        .then(
            pl.lit(
                _(
                    "This person is recorded as deceased in a household outside your area. A "
                    "person recorded as deceased is not registered again; if the record is "
                    "wrong, bringing them back needs a member-change case (成员变更)."
                )
            )
        )
        .when(left & elsewhere & here)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s), and "
                    "is now a member of household %(number)s. Bringing them back needs a "
                    "member-change case (成员变更)."
                ),
                **left_said,
                number=now_in,
            )
        )
        .when(left & elsewhere)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s), and "
                    "is now a member of a household outside your area. Bringing them back "
                    "needs a member-change case (成员变更)."
                ),
                **left_said,
            )
        )
        .when(left)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s). "
                    "Bringing them back needs a member-change case (成员变更)."
                ),
                **left_said,
            )
        )
        .when(elsewhere & here)
        .then(
            P.message(_("This person is already a member of household %(number)s."), number=now_in)
        )
        .when(elsewhere)
        .then(pl.lit(_("This person is already a member of a household outside your area.")))
        .otherwise(None)
    ).to_series()
    m.reject(reasons.is_not_null(), "id_number", reasons)
