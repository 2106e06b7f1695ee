"""GET /codes, GET /codes/{list_name}: the national form's code lists, labelled in the
request language (Accept-Language)."""

from django.http import Http404
from ninja import Router

from fupin.api.schemas import CodeList
from fupin.registry.choices import CODE_LISTS

router = Router(tags=["codes"])


def _code_list(name: str) -> dict:
    choices = CODE_LISTS[name]
    return {
        "name": name,
        "items": [{"code": str(code), "label": str(label)} for code, label in choices.choices],
    }


@router.get("/codes", response=list[str], summary="Names of the code lists")
def code_list_names(request):
    return sorted(CODE_LISTS)


@router.get("/codes/{list_name}", response=CodeList, summary="One code list")
def code_list(request, list_name: str):
    if list_name not in CODE_LISTS:
        raise Http404
    return _code_list(list_name)
