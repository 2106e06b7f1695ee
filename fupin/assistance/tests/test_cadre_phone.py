"""Cadre phones (issue 14, passive reveals): shown masked to every role; the full phone
only through the logged reveal step, for roles that may reveal."""

import pytest
from django.urls import reverse

from conftest import OTHER_COUNTY_VILLAGE
from fupin.core.models import SensitiveRead

pytestmark = pytest.mark.django_db

PHONE = "13807460000"


@pytest.mark.parametrize("role", ["village", "township"])
def test_cadre_phone_is_masked_with_a_logged_reveal(client, users, make_cadre, role):
    cadre = make_cadre()
    client.force_login(users[role])
    for url in (
        reverse("assistance:cadre_detail", args=[cadre.pk]),
        reverse("assistance:cadre_list"),
    ):
        body = client.get(url).content.decode()
        assert PHONE not in body, url
    detail = client.get(reverse("assistance:cadre_detail", args=[cadre.pk])).content.decode()
    assert "138****0000" in detail
    reveal = reverse("assistance:cadre_reveal", args=[cadre.pk])
    assert reveal in detail
    assert not SensitiveRead.objects.exists()
    assert client.get(reveal).status_code == 405  # a reveal is a POST
    response = client.post(reveal)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    read = SensitiveRead.objects.get()
    assert (read.user, read.object_type, read.object_id, read.field) == (
        users[role],
        "assistance.cadre",
        str(cadre.pk),
        "phone",
    )


def test_department_gets_no_reveal(client, users, make_cadre):
    cadre = make_cadre()
    client.force_login(users["department"])
    reveal = reverse("assistance:cadre_reveal", args=[cadre.pk])
    detail = client.get(reverse("assistance:cadre_detail", args=[cadre.pk]))
    if detail.status_code == 200:
        assert PHONE not in detail.content.decode() and reveal not in detail.content.decode()
    assert client.post(reveal).status_code == 404
    assert not SensitiveRead.objects.exists()


def test_reveal_of_a_cadre_outside_the_area_is_not_found(client, users, make_cadre):
    cadre = make_cadre(home=OTHER_COUNTY_VILLAGE)
    client.force_login(users["village"])
    assert client.post(reverse("assistance:cadre_reveal", args=[cadre.pk])).status_code == 404
    assert not SensitiveRead.objects.exists()
