"""Resident ID numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for men,
even for women), and a check character from ISO 7064 MOD 11-2 (0-9 or X). The check
digit and the date are hard rules. A region code that no longer exists is normal (people
keep their numbers when divisions are renamed), so only the province part is checked
hard; anything finer is left to data-quality warnings.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import IdNumberInvalid

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Province-level codes (first two digits) of GB/T 2260, plus 71/81/82 (Taiwan, HK, Macao).
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_FLOAT_TAIL = re.compile(r"^\d{15,18}\.0+$")


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F", the codes of choices.Sex

    @property
    def region(self) -> str:
        return self.value[:6]


def normalise(raw: object) -> str:
    """Full-width digits and letters to half-width, spaces removed, x upper-cased."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))
    return re.sub(r"\s+", "", text).upper()


def upgrade_legacy(number15: str) -> str:
    """The 18-digit number of a 15-digit legacy number (all were issued to people born 19xx)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def parse(raw: object, *, today: dt.date | None = None) -> IdNumber:
    """Validate and parse, or raise IdNumberInvalid with a reason a clerk can act on."""
    value = normalise(raw)
    today = today or dt.date.today()
    if not value:
        raise IdNumberInvalid(_("The ID number is empty."), field="id_number")
    if _SCIENTIFIC.match(value) or _FLOAT_TAIL.match(value) or isinstance(raw, float):
        raise IdNumberInvalid(
            _(
                "The ID number %(value)s was stored as a number by Excel, which keeps only 15 "
                "significant digits, so the last digits are lost. Format the column as text "
                "and type the number again from the ID card."
            )
            % {"value": value},
            field="id_number",
        )
    if len(value) == 15 and value.isdigit():
        raise IdNumberInvalid(
            _(
                "%(value)s is a 15-digit legacy ID number. Enter the 18-digit number from the "
                "current ID card (for this person it should be %(upgraded)s)."
            )
            % {"value": value, "upgraded": upgrade_legacy(value)},
            field="id_number",
        )
    if len(value) != 18:
        raise IdNumberInvalid(
            _("An ID number has 18 characters; %(value)s has %(n)d.")
            % {"value": value, "n": len(value)},
            field="id_number",
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberInvalid(
            _("An ID number is 17 digits followed by a digit or X: %(value)s.") % {"value": value},
            field="id_number",
        )
    if value[:2] not in PROVINCE_CODES:
        raise IdNumberInvalid(
            _("%(value)s does not start with a valid province code.") % {"value": value},
            field="id_number",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberInvalid(
            _("%(value)s contains an impossible birth date %(date)s.")
            % {"value": value, "date": value[6:14]},
            field="id_number",
        ) from None
    if birth > today or birth.year < 1880:
        raise IdNumberInvalid(
            _("%(value)s contains an implausible birth date %(date)s.")
            % {"value": value, "date": birth.isoformat()},
            field="id_number",
        )
    expected = check_char(value[:17])
    if value[17] != expected:
        raise IdNumberInvalid(
            _(
                "The check digit of %(value)s is wrong: it should be %(expected)s. "
                "One of the digits was probably mistyped."
            )
            % {"value": value, "expected": expected},
            field="id_number",
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex)
