"""The programme ledgers' read endpoints (fupin.programmes.ledgers), one module each,
added to the API by fupin.api.api: a new ledger adds its module to ROUTERS."""

from __future__ import annotations

from fupin.api import education, employment, health, industry, loans, relocation, training

ROUTERS = {
    "microcredit": loans.router,
    "employment": employment.router,
    "relocation": relocation.router,
    "training": training.router,
    "industry": industry.router,
    "education": education.router,
    "health": health.router,
}
