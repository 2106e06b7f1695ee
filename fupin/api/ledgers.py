"""The programme ledgers' read endpoints (fupin.programmes.ledgers), one module each,
added to the API here: a new ledger adds its module to ROUTERS."""

from __future__ import annotations

from fupin.api import loans

ROUTERS = {"microcredit": loans.router}


_installed: set[str] = set()


def install(api) -> None:
    """Add each ledger's router once (the URLconf may be imported again)."""
    for key, router in ROUTERS.items():
        if key not in _installed:
            api.add_router("", router)
            _installed.add(key)
