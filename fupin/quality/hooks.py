"""Records of the apps above quality that answer a data-quality finding about a person,
shown with the finding (quality never imports them; see .importlinter).

A rule's finding names a household and, for the member rules, a member. An app that keeps
the work on such a finding registers, in its AppConfig.ready(), a function giving the
links of its records of those members: the education ledger's dropout cases (控辍保学)
for rule Q06, "child of compulsory-school age not in school".

    from fupin.quality.hooks import register_finding_links

    register_finding_links("Q06", dropout_links)

`fn(user, member_ids)` gets the members of the rule's findings in the user's area (a
county's: hundreds; one read with `member_id IN` is expected), reads only what the user
may read, and returns {member id: [FindingLink, …]} for those with a record. It must not
write.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FindingLink:
    label: str  # what the record is and its state ("Dropout case of 2025-03-02: open")
    url: str
    open: bool = True  # the record is still being worked on


LinkFn = Callable[[Any, Collection[int]], dict[int, list[FindingLink]]]

_links: dict[str, list[LinkFn]] = {}


def register_finding_links(rule: str, fn: LinkFn) -> None:
    """Show `fn`'s records with the findings of `rule` (once per function)."""
    fns = _links.setdefault(rule, [])
    if fn not in fns:
        fns.append(fn)


def has_links(rule: str) -> bool:
    return bool(_links.get(rule))


def finding_links(
    user: Any, rule: str, member_ids: Collection[int]
) -> dict[int, list[FindingLink]]:
    """The registered records of these members for `rule`'s findings, by member id."""
    out: dict[int, list[FindingLink]] = {}
    ids = [m for m in member_ids if m is not None]
    if not ids:
        return out
    for fn in _links.get(rule, ()):
        for member_id, links in fn(user, ids).items():
            out.setdefault(member_id, []).extend(links)
    return out
