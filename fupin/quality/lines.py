"""The income line by year, for the quality rules.

The rule has one home, `fupin.policy.selectors.income_line` (the policy sets: national
defaults 2013–2026 are a data migration, a county's own version applies in its area); this
module only names it for the quality app. Nothing here hard-codes a figure.
"""

from __future__ import annotations

from fupin.policy.selectors import FIRST_LINE_YEAR as FIRST_YEAR
from fupin.policy.selectors import income_line, income_lines_frame

__all__ = ["FIRST_YEAR", "income_line", "income_lines_frame"]
