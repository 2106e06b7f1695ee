"""The income page: an amount finer than the fen, or a negative one, is refused on its
field with the registry's words (the form only parses), the record unchanged."""

from __future__ import annotations

from django.urls import reverse

from fupin.core.models import ChangeRecord
from fupin.registry.models import IncomeRecord

LOSS = (
    "Amounts cannot be negative; a loss in production goes into production expenses "
    "(生产经营性支出)."
)
FEN = "An amount has at most two decimal places (fen)."


def post(login, household, **amounts):
    url = reverse("income_edit", args=[household.pk]) + "?year=2020"
    data = dict.fromkeys(IncomeRecord.INCOME_FIELDS, "0")
    data |= {"year": "2020", "household_size": "1", "production_expenses": "0", "reason": "卡"}
    data |= amounts
    return login("village").post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def test_an_amount_finer_than_the_fen_is_refused_on_its_field(login, household):
    before = ChangeRecord.objects.count()
    response = post(login, household, wages="1234.567")
    assert response.status_code == 422
    assert response.context["form"].errors["wages"] == [FEN]
    assert FEN in response.content.decode()
    assert not IncomeRecord.objects.exists() and ChangeRecord.objects.count() == before
    assert 'step="any"' in response.content.decode()  # the browser does not block it first


def test_a_negative_production_amount_says_where_a_loss_goes(login, household):
    response = post(login, household, production="-200")
    assert response.status_code == 422
    assert response.context["form"].errors["production"] == [LOSS]
    assert not IncomeRecord.objects.exists()


def test_amounts_to_the_fen_are_saved(login, household):
    assert post(login, household, wages="1234.50").status_code == 302
    assert str(IncomeRecord.objects.get().wages) == "1234.50"
