import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import NEIGHBOUR, VILLAGE
from fupin.assistance import services
from fupin.assistance.models import Visit


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def paired(users, make_cadre, household):
    cadre = make_cadre(name="张帮扶", user=users["cadre"])
    services.pairing_create(
        actor=users["county"],
        cadre=cadre,
        household=household,
        kind="key",
        start_date=dt.date(2024, 1, 1),
    )
    return cadre


def login(client, users, who):
    client.force_login(users[who])
    return client


def test_pages_render_in_scope(client, users, paired, household):
    login(client, users, "township")
    for name, args in [
        ("assistance:cadre_list", []),
        ("assistance:cadre_detail", [paired.pk]),
        ("assistance:pairing_list", []),
        ("assistance:compliance", []),
        ("assistance:directory", [VILLAGE]),
        ("assistance:directory_card", [VILLAGE]),
    ]:
        r = client.get(reverse(name, args=args))
        assert r.status_code == 200, name
    body = client.get(reverse("assistance:compliance")).content.decode()
    assert "张帮扶" in body  # never visited: overdue
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "张帮扶" in detail and reverse("assistance:visit_create", args=[household.pk]) in detail
    home = client.get(reverse("home")).content.decode()
    assert reverse("assistance:cadre_list") in home


def test_outside_the_area_is_not_found(client, users, paired, household):
    login(client, users, "neighbour")
    assert client.get(reverse("assistance:cadre_detail", args=[paired.pk])).status_code == 404
    assert client.get(reverse("assistance:directory", args=[VILLAGE])).status_code == 404
    r = client.get(reverse("assistance:visit_create", args=[household.pk]))
    assert r.status_code == 404
    assert "张帮扶" not in client.get(reverse("assistance:cadre_list")).content.decode()
    assert client.get(reverse("assistance:directory", args=[NEIGHBOUR])).status_code == 200


def test_cadre_records_a_visit_with_photo(client, users, paired, household, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, users, "cadre")
    url = reverse("assistance:visit_create", args=[household.pk])
    r = client.post(
        url,
        {
            "cadre": paired.pk,
            "date": "2024-02-01",
            "purpose": "follow_up",
            "notes": "看望",
            "photo": SimpleUploadedFile("p.png", png(), content_type="image/png"),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.get()
    assert visit.photo and visit.recorded_by == users["cadre"]
    photo = reverse("assistance:visit_photo", args=[visit.pk])
    assert client.get(photo).status_code == 200
    login(client, users, "neighbour")
    assert client.get(photo).status_code == 404


def test_directory_lists_entries(client, users, tree):
    services.directory_entry_add(
        actor=users["township"],
        area_code="431129100000",
        name="李镇长",
        post="镇长",
        duties="全面工作",
        phone="07467000000",
    )
    login(client, users, "village")
    assert client.get(reverse("assistance:directory", args=["431129100000"])).status_code == 404
    login(client, users, "township")
    r = client.get(reverse("assistance:directory_card", args=["431129100000"]))
    assert "李镇长" in r.content.decode() and "@media print" in r.content.decode()


def test_pair_a_cadre_through_the_page(client, users, make_cadre, household):
    from fupin.assistance.models import Pairing

    cadre = make_cadre(rank="section", name="王科长")
    url = reverse("assistance:pairing_create", args=[household.pk])
    login(client, users, "cadre")
    assert client.get(url).status_code == 403
    login(client, users, "village")
    data = {"cadre": cadre.pk, "kind": "key", "start_date": "2024-01-01", "reason": "结对"}
    assert client.post(url, data).status_code == 302
    assert Pairing.objects.current().get().cadre == cadre
    other = reverse("household_detail", args=[household.pk])
    assert "王科长" in client.get(other).content.decode()
    # A second key household for a section-level cadre: the form names the limit.
    from conftest import HOUSEHOLD_DATA, registered_household

    h2 = registered_household(actor=users["village"], village_code=VILLAGE, data=HOUSEHOLD_DATA)
    r = client.post(reverse("assistance:pairing_create", args=[h2.pk]), data)
    assert r.status_code == 422
    assert "科级干部最多帮扶 1 个重点户" in r.content.decode()
