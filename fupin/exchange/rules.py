"""The import's rules, column-wise: within a row (the registration form's rules, as in
registry.services), across rows and sheets (duplicates, household links, household size
vs members), and against what the registry holds (people, status cells, amounts to the fen).
Each takes the `Parsed` sheet and rejects rows or cells with their reasons."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.utils.translation import gettext as _

from fupin.core.scope import code_range
from fupin.exchange import parse as P
from fupin.exchange.models import ExchangeRun
from fupin.exchange.parsing import Parsed
from fupin.registry import choices as c
from fupin.registry import services as registry


def _first_rows(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """For each row, the `_row` of the first row with the same keys."""
    return frame.select(pl.col("_row").min().over(keys)).to_series()


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
    f = p.frame
    others = f["other_causes"]
    p.reject(others.list.len() > 2, "other_causes", _("At most two other causes."))
    p.reject(
        f.select(
            pl.col("other_causes").list.contains(pl.col("main_cause")).fill_null(False)
        ).to_series(),
        "other_causes",
        _("The main cause cannot also be another cause."),
    )
    p.reject(
        (others.list.n_unique() != others.list.len()).fill_null(False),
        "other_causes",
        _("A cause is listed twice."),
    )
    safe = f["housing_safe"]
    grade = f["danger_grade"]
    p.reject(
        ((safe == False) & grade.is_null()).fill_null(False),  # noqa: E712
        "danger_grade",
        _("An unsafe house needs its danger grade (C or D)."),
    )
    p.reject(
        ((safe == True) & grade.is_not_null()).fill_null(False),  # noqa: E712
        "danger_grade",
        _("A safe house has no danger grade."),
    )
    status = f["status"]
    mtype = f["monitoring_type"]
    p.reject(
        ((status == c.HouseholdStatus.MONITORED) & mtype.is_null()).fill_null(False),
        "monitoring_type",
        _("A monitoring object needs its monitoring type."),
    )
    p.reject(
        (
            mtype.is_not_null()
            & ~status.is_in([c.HouseholdStatus.MONITORED, c.HouseholdStatus.EXITED])
        ).fill_null(False),
        "monitoring_type",
        _("Only exited households and monitoring objects have a monitoring type."),
    )
    p.reject(
        (f["irrigated_mu"].fill_null(0) > f["farmland_mu"].fill_null(0)).fill_null(False),
        "irrigated_mu",
        _("Irrigated farmland cannot exceed farmland."),
    )


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
    f = p.frame
    # Sex and birth date default to what the ID number says, and must agree with it.
    id_sex = (f["id_number"].str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1).replace_strict(
        {True: "M", False: "F"}, default=None, return_dtype=pl.String
    )
    id_birth = f["id_number"].str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    p.reject(
        (f["sex"].is_not_null() & id_sex.is_not_null() & (f["sex"] != id_sex)).fill_null(False),
        "sex",
        pl.DataFrame({"s": id_sex})
        .select(
            P.message(
                _("The ID number says this person is %(sex)s."),
                sex=pl.col("s").replace_strict({"M": _("male"), "F": _("female")}, default=""),
            )
        )
        .to_series(),
    )
    p.reject(
        (
            f["birth_date"].is_not_null() & id_birth.is_not_null() & (f["birth_date"] != id_birth)
        ).fill_null(False),
        "birth_date",
        pl.DataFrame({"d": id_birth})
        .select(
            P.message(_("The ID number says this person was born on %(date)s."), date=pl.col("d"))
        )
        .to_series(),
    )
    p.frame = p.frame.with_columns(
        sex=pl.coalesce(pl.col("sex"), id_sex),
        birth_date=pl.coalesce(pl.col("birth_date"), id_birth),
    )
    f = p.frame
    p.reject(
        (f["education"].is_null() == f["school_status"].is_null()),
        "education",
        _("Fill in exactly one of education and school status."),
    )
    disabled = f["health"] == c.Health.DISABLED
    grade = f["disability_grade"]
    p.reject(
        (disabled & grade.is_null()).fill_null(False),
        "disability_grade",
        _("A disabled person needs a disability grade."),
    )
    p.reject(
        (~disabled & grade.is_not_null()).fill_null(False),
        "disability_grade",
        _("Only a disabled person has a disability grade."),
    )
    months = f["migrant_months"].fill_null(0)
    p.reject(
        (f["migrant_place"].is_not_null() != (months > 0)).fill_null(False),
        "migrant_months",
        _("Migrant work place and months are filled in together or not at all."),
    )
    # One head per household: `head_rule`, once the registry's heads are known.


def head_rule(p: Parsed, stored_heads: pl.DataFrame) -> None:
    """One active head per household, as `registry.services._check_single_head` (same
    message), column-wise: the heads the registry holds for the file's households
    (`stored_heads`: household_number, id_number; read once) that no kept row of the file
    changes, plus the head rows of the file. A stored head listed in the file counts as
    the file's row says (its relation changed in the same upload: no longer a head), and
    comes first; the other head rows, in file order, are rejected once the household has
    one. Rows already rejected write nothing and count for nothing."""
    f = p.frame
    listed = f.filter("_ok").select("household_number", "id_number")
    kept = (
        stored_heads.join(listed, on=["household_number", "id_number"], how="anti")
        .group_by("household_number")
        .agg(pl.len().alias("_kept"))
    )
    was_head = stored_heads.select(
        "household_number", "id_number", pl.lit(True).alias("_was_head")
    ).unique()
    head = (pl.col("relation") == c.Relation.HEAD) & pl.col("_ok")
    j = (
        f.select("household_number", "id_number", "relation", "_ok", "_row")
        .with_row_index("_i")
        .join(kept, on="household_number", how="left", maintain_order="left")
        .join(was_head, on=["household_number", "id_number"], how="left", maintain_order="left")
        .with_columns(pl.col("_kept").fill_null(0), pl.col("_was_head").fill_null(False))
    )
    order = ["household_number", "_was_head", "_row", "_i"]
    ranked = (
        j.sort(order, descending=[False, True, False, False], nulls_last=True)
        .with_columns(head.cast(pl.Int64).cum_sum().over("household_number").alias("_rank"))
        .sort("_i")
    )
    second = (head & (pl.col("_kept") + pl.col("_rank") > 1)).fill_null(False)
    p.reject(ranked.select(second).to_series(), "relation", _("The household already has a head."))


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
    outside: set[str],
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
    judged = ~f["household_number"].is_in(list(outside)).fill_null(False)
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
