"""Arithmetic on 12-digit division codes (统计用区划代码), defined once.

"The codes above this one" is used wherever a setting can be made for a region and the
most specific region wins (policy sets, monitoring rules, exit criteria, assistance
policies) and wherever a page shows the path down to a division. Every app calls
`ancestor_codes`; none cuts codes itself.
"""

from __future__ import annotations

from fupin.core.scope import CODE_LENGTH
from fupin.geo.models import PREFIX_LENGTH

# The significant lengths of the levels, most specific first: 12, 9, 6, 4, 2.
_CUTS = tuple(sorted(PREFIX_LENGTH.values(), reverse=True))


def ancestor_codes(code: str, *, include_self: bool = True) -> list[str]:
    """The 12-digit codes of the divisions that contain `code`, most specific first.

    `code` may be a full code or a significant prefix ("431129" is the county
    431129000000). With `include_self` (the default) the first item is the code itself,
    padded to 12 digits; without it only the codes strictly above. A level whose digits
    are all zero is not a division of its own and is skipped (the county 431129000000
    is its own township and village cut, listed once). The nation is no code: it is never
    in the list, and "" (or an all-zero code) has no ancestors at all.
    """
    full = code.ljust(CODE_LENGTH, "0")
    out: list[str] = []
    for n in _CUTS:
        prefix = full[:n]
        if not prefix.strip("0"):
            continue
        candidate = prefix.ljust(CODE_LENGTH, "0")
        if candidate not in out:
            out.append(candidate)
    if not include_self and out and out[0] == full:
        out.pop(0)
    return out


def significant_prefix(code: str) -> str:
    """The significant prefix of a division code, for "this division and everything
    under it" (`core.scope.code_range`): a 12-digit code loses the all-zero digits of the
    levels below it ("431129100000", a township, → "431129100"; "431129000000", a
    county, → "431129"; a village's code is its own prefix). A shorter code is taken as a
    prefix already and returned as it is, so "division code or code prefix" both work."""
    if len(code) != CODE_LENGTH:
        return code
    significant = code
    for n in _CUTS[1:]:  # 9, 6, 4, 2: as long as the digits below the cut are all zero
        if code[n:].strip("0"):
            break
        significant = code[:n]
    return significant
