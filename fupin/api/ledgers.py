"""The programme ledgers' read endpoints (fupin.programmes.ledgers), one module each,
added to the API by fupin.api.api: a new ledger adds its module to ROUTERS."""

from __future__ import annotations

from fupin.api import industry, loans, training

ROUTERS = {
    "microcredit": loans.router,
    "training": training.router,
    "industry": industry.router,
}
