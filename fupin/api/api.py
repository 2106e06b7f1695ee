"""The REST API at /api/v1/: one NinjaAPI, one router per entity.

Authentication: `Authorization: Bearer <key>` (tokens from `fupin token create`) or a
logged-in session. Every read and write is scoped to the user's area; errors are JSON
(see fupin.api.errors); ID numbers, phones and bank accounts are masked (fupin.api.pii).
"""

from ninja import NinjaAPI

from fupin.api import (
    codes,
    divisions,
    errors,
    funds,
    households,
    indicators,
    ledgers,
    members,
    projects,
)
from fupin.api.auth import AUTH, token_or_login_required
from fupin.api.docs import LocalSwagger

DESCRIPTION = """
The registry (建档立卡) of fupin: divisions, households, members, code lists; and the
indicators of any area (today, as of a past date, or from a locked snapshot); the
project library (项目库) with budgets, payments and execution rates, and the fund
allocations with what is committed, paid and free (read only).

* **Authentication**: `Authorization: Bearer <key>` with a key from
  `fupin token create --user NAME --name PURPOSE [--scope read|write] [--days N]`, or a
  logged-in browser session (CSRF token required on writes). A token is read-only
  unless created with `--scope write` (a read token gets 403 on any write) and expires
  after 90 days unless told otherwise (an expired token gets 401). This page needs a
  signed-in session; `openapi.json` can also be fetched with a token.
* **Scope**: you see and change only what lies in your area; anything else is 404.
* **Errors**: always JSON `{"code", "message", "errors": {field: [messages]}}`.
* **Pagination**: lists are keyset-paginated: pass the `next_after` of one page as
  `after` for the next; `limit` is at most 200.
* **Personal data**: ID numbers, phones and bank accounts are masked. Detail endpoints
  accept `reveal=true` for roles allowed to see them (every value revealed is logged);
  other roles get 403.
* **Language**: labels follow `Accept-Language` (`zh-hans` default, `en`).
"""

api = NinjaAPI(
    title="fupin API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    docs=LocalSwagger(),
    # The description of the registry's API is for signed-in users of an intranet
    # system, like every other page: anonymous requests go to the login page; a
    # client with an API token may fetch it too (JSON 401 when the token is refused).
    docs_decorator=token_or_login_required,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

api.add_router("", divisions.router)
api.add_router("", households.router)
api.add_router("", members.router)
api.add_router("", codes.router)
api.add_router("", indicators.router)
api.add_router("", projects.router)
api.add_router("", funds.router)
# The programme ledgers' routers, here with the others: anything that reads the API's
# URLs or its OpenAPI document (a test at collection, the URLconf) sees every route.
for _router in ledgers.ROUTERS.values():
    api.add_router("", _router)
