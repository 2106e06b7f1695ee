"""Area scope, masking, reveal, attachments, history, as-of, languages, admin, query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import VILLAGE, make_id, member_data
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.registry import services
from fupin.registry.models import Attachment

pytestmark = pytest.mark.django_db

PHONE = "13807461234"
BANK = "6217001234567890123"


def _attachment(household, users):
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed form", content_type="application/pdf")
    return services.attachment_add(
        actor=users["village"],
        household=household,
        kind="signed_scan",
        title="申请书",
        upload=upload,
    )


# ------------------------------------------------------------------ scope


def test_neighbours_household_is_404_everywhere(login, household, neighbour_household, users):
    att = _attachment(neighbour_household, {"village": users["neighbour"]})
    member = neighbour_household.members.get()
    client = login("village")
    urls = [
        reverse("household_detail", args=[neighbour_household.pk]),
        reverse("household_edit", args=[neighbour_household.pk]),
        reverse("household_history", args=[neighbour_household.pk]),
        reverse("household_as_of", args=[neighbour_household.pk]) + "?as_of=2030-01-01",
        reverse("member_add", args=[neighbour_household.pk]),
        reverse("member_edit", args=[neighbour_household.pk, member.pk]),
        reverse("member_leave", args=[neighbour_household.pk, member.pk]),
        reverse("income_edit", args=[neighbour_household.pk]),
        reverse("assessment_edit", args=[neighbour_household.pk]),
        reverse("attachment_download", args=[neighbour_household.pk, att.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # A member of another household cannot be reached through one's own household either.
    assert client.get(reverse("member_edit", args=[household.pk, member.pk])).status_code == 404
    assert (
        client.get(reverse("attachment_download", args=[household.pk, att.pk])).status_code == 404
    )
    upload = SimpleUploadedFile("x.pdf", b"%PDF", content_type="application/pdf")
    response = client.post(
        reverse("attachment_upload", args=[neighbour_household.pk]),
        {"kind": "photo", "title": "x", "file": upload},
    )
    assert response.status_code == 404
    assert Attachment.objects.filter(household=neighbour_household).count() == 1
    # The other county sees neither.
    client = login("other_county")
    assert client.get(reverse("household_detail", args=[household.pk])).status_code == 404


def test_neighbours_household_not_in_list_or_search(login, household, neighbour_household):
    other = neighbour_household.members.get()
    client = login("village")
    html = client.get(reverse("household_list")).content.decode()
    assert household.number in html
    assert neighbour_household.number not in html
    for q in [other.id_number, other.name, neighbour_household.number]:
        response = client.get(reverse("household_list"), {"q": q})
        assert response.context["page"].rows == [], q
        assert other.name not in response.content.decode().split("<tbody>")[1]


def test_area_filter_select_offers_only_own_area(login, household):
    form = login("township").get(reverse("household_list")).context["form"]
    codes = [code for code, _ in form.fields["area"].choices if code]
    assert VILLAGE in codes and "431129100202" in codes
    assert "431129103201" not in codes and "431128100201" not in codes


def test_post_to_edit_outside_area_changes_nothing(login, neighbour_household):
    response = login("village").post(
        reverse("household_edit", args=[neighbour_household.pk]),
        {"address": "hacked", "village_code": VILLAGE},
    )
    assert response.status_code == 404
    neighbour_household.refresh_from_db()
    assert neighbour_household.address == "清塘村二组3号"


# ------------------------------------------------------------------ attachments


def test_attachment_upload_and_scoped_download(login, household, settings):
    client = login("village")
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(picture, "PNG")
    upload = SimpleUploadedFile("photo.png", picture.getvalue(), content_type="image/png")
    response = client.post(
        reverse("attachment_upload", args=[household.pk]),
        {"kind": "photo", "title": "房屋照片", "file": upload, "reason": "visit"},
    )
    assert response.status_code == 302
    att = Attachment.objects.get(household=household)
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    download = reverse("attachment_download", args=[household.pk, att.pk])
    assert download in detail
    assert settings.MEDIA_URL not in detail and att.file.name not in detail
    response = client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # re-encoded on upload, still the picture
    assert Image.open(io.BytesIO(body)).getpixel((0, 0)) == (0, 128, 0)
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    # Township sees it too; the cadre of the village may read it; another county may not.
    assert login("township").get(download).status_code == 200
    assert login("other_county").get(download).status_code == 404


def test_attachment_refuses_other_file_types(login, household):
    upload = SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")
    response = login("village").post(
        reverse("attachment_upload", args=[household.pk]),
        {"kind": "other", "title": "x", "file": upload},
    )
    assert response.status_code == 422
    assert "file" in response.context["form"].errors
    assert not Attachment.objects.exists()


def test_media_is_not_served_publicly(client, household, users):
    att = _attachment(household, users)
    assert client.get("/media/" + att.file.name).status_code == 404
    client.force_login(users["village"])
    assert client.get("/media/" + att.file.name).status_code == 404


# ------------------------------------------------------------------ masking and reveal


def test_list_and_detail_do_not_contain_full_sensitive_values(login, household):
    head = household.members.get()
    for role in ["village", "township", "department", "inspector", "cadre"]:
        client = login(role)
        for url in [
            reverse("household_list"),
            reverse("household_detail", args=[household.pk]),
            reverse("household_history", args=[household.pk]),
            reverse("household_as_of", args=[household.pk]) + "?as_of=2099-01-01",
        ]:
            html = client.get(url).content.decode()
            assert head.id_number not in html, (role, url)
            assert PHONE not in html, (role, url)
            assert BANK not in html, (role, url)
    # A search by the full ID number by a role that may not reveal leads to the person's
    # page (masked); no page repeats the digits.
    response = login("department").get(reverse("household_list"), {"q": head.id_number})
    assert response["Location"] == reverse("household_detail", args=[household.pk])
    html = login("village").get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "138****1234" in html and "6217***********0123" in html


def test_reveal_logs_for_village_staff(login, household, users):
    head = household.members.get()
    client = login("village")
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    url = reverse("reveal", args=["member", head.pk, "id_number"])
    assert url in detail  # the reveal button is there
    response = client.post(url)
    assert response.status_code == 200
    assert head.id_number in response.content.decode()
    read = SensitiveRead.objects.get()
    assert read.user == users["village"] and read.field == "id_number"
    assert read.object_id == str(head.pk) and read.channel == "web"
    response = client.post(reverse("reveal", args=["household", household.pk, "bank_account"]))
    assert BANK in response.content.decode()
    assert SensitiveRead.objects.count() == 2


def test_reveal_refused(login, household, neighbour_household):
    head = household.members.get()
    url = reverse("reveal", args=["member", head.pk, "id_number"])
    client = login("department")
    assert url not in client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert client.post(url).status_code == 404
    assert login("cadre").post(url).status_code == 404
    # Outside the area, a field that is not sensitive, an unknown kind, and GET.
    assert login("neighbour").post(url).status_code == 404
    assert (
        login("village").post(reverse("reveal", args=["member", head.pk, "name"])).status_code
        == 404
    )
    assert login("village").post(reverse("reveal", args=["user", 1, "phone"])).status_code == 404
    assert login("village").get(url).status_code == 405
    assert not SensitiveRead.objects.exists()


# ------------------------------------------------------------------ history and as-of


def test_history_shows_old_and_new_values_and_reason(login, household):
    client = login("village")
    data = {
        "village_code": VILLAGE,
        "address": "新址8号",
        "category": "general",
        "standard": "national",
        "main_cause": "illness",
        "other_causes": ["lack_skills"],
        "status": "poor",
        "status_year": "2016",
        "housing_safe": "on",
        "housing_area": "0",
        "water_safe": "on",
        "power_living": "on",
        "power_production": "on",
        "has_tv_radio": "on",
        "distance_to_road_km": "0",
        "farmland_mu": "0",
        "irrigated_mu": "0",
        "forest_mu": "0",
        "returned_farmland_mu": "0",
        "fruit_mu": "0",
        "pasture_mu": "0",
        "water_surface_mu": "0",
        "group_name": "一组",
        "bank_name": "农村信用社",
        "reason": "搬迁",
    }
    response = client.post(reverse("household_edit", args=[household.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    response = client.get(reverse("household_history", args=[household.pk]))
    records = response.context["records"]
    update = next(r for r in records if r.action == "update")
    assert update.reason == "搬迁" and update.user_name == "village"
    changes = {ch.label: (ch.old, ch.new) for ch in update.field_changes}
    assert ("大坪村一组12号", "新址8号") in changes.values()
    html = response.content.decode()
    assert "大坪村一组12号" in html and "新址8号" in html and "搬迁" in html


def test_history_shows_member_changes_with_choice_labels(login, household, users):
    services.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(seq="224"), name="赵梅", relation="spouse", sex="F"),
        kind="marriage_in",
        reason="married in",
    )
    response = login("village").get(
        reverse("household_history", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "赵梅" in html and "married in" in html
    assert "Married in" in html  # the change kind label, not the code "marriage_in"


def test_as_of_shows_old_address(login, household, users):
    past = timezone.now() - dt.timedelta(days=30)
    ChangeRecord.objects.filter(related_id=str(household.pk)).update(time=past)
    ChangeRecord.objects.filter(
        object_type="registry.household", object_id=str(household.pk)
    ).update(time=past)
    services.household_update(
        actor=users["village"], household=household, data={"address": "新址"}, reason="moved"
    )
    client = login("village")
    day = (past + dt.timedelta(days=1)).date().isoformat()
    for url in [
        reverse("household_as_of", args=[household.pk]) + "?as_of=" + day,
        reverse("household_detail", args=[household.pk]) + "?as_of=" + day,
    ]:
        html = client.get(url).content.decode()
        assert "大坪村一组12号" in html and "新址" not in html.split("<main>")[1].split("</h1>")[1]
        assert "盘石生" in html
    today = timezone.localdate().isoformat()
    html = client.get(reverse("household_as_of", args=[household.pk]) + "?as_of=" + today)
    assert "新址" in html.content.decode()
    before = (past - dt.timedelta(days=2)).date().isoformat()
    response = client.get(reverse("household_as_of", args=[household.pk]) + "?as_of=" + before)
    assert response.context["state"] is None
    response = client.get(reverse("household_as_of", args=[household.pk]) + "?as_of=bad")
    assert response.context["bad_date"] is True


# ------------------------------------------------------------------ language, admin


def test_language_from_header_and_cookie(login, household):
    client = login("village")
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/households/"})
    assert response.status_code == 302 and response["Location"] == "/households/"
    response = client.get(reverse("household_list"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    html = response.content.decode()
    assert '<html lang="en">' in html  # the cookie wins over the header
    assert reverse("set_language") in html and 'value="zh-hans"' in html


def test_validation_messages_in_users_language(login, household):
    url = reverse("member_leave", args=[household.pk, household.members.get().pk])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login("village").post(
        url, {"kind": "death", "date": tomorrow, "reason": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The date cannot be in the future." in response.content.decode()


def test_admin_only_for_system_administrators(login):
    assert login("county").get("/admin/").status_code == 404
    assert login("admin").get("/admin/").status_code == 200
    assert 'href="/admin/"' not in login("county").get(reverse("home")).content.decode()
    assert 'href="/admin/"' in login("admin").get(reverse("home")).content.decode()


def test_superuser_without_area_browses_everything(login, household):
    response = login("admin").get(reverse("division_root"))
    assert response.status_code == 200
    assert [d.code for d in response.context["tree"].children] == ["430000000000"]
    assert login("admin").get(reverse("household_detail", args=[household.pk])).status_code == 200


# ------------------------------------------------------------------ query counts


def _households(users, n, start=0):
    for i in range(start, start + n):
        h = services.household_create(
            actor=users["village"],
            village_code=VILLAGE,
            data={"main_cause": "illness"},
        )
        services.member_add(
            actor=users["village"],
            household=h,
            data=member_data(id_number=make_id(seq=f"{i:03d}"), name=f"户主{i}"),
        )


def _list_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("household_list"))
    sqls = " ".join(q["sql"].upper() for q in ctx.captured_queries)
    return len(ctx.captured_queries), response, sqls


def test_list_query_count_does_not_grow_with_page_size(login, users):
    client = login("village")
    _households(users, 5)
    client.get(reverse("household_list"))
    small, response, sqls = _list_queries(client)
    assert len(response.context["page"].rows) == 5
    _households(users, 35, start=5)
    large, response, sqls = _list_queries(client)
    assert len(response.context["page"].rows) == 40
    assert large == small
    assert "COUNT(" not in sqls  # no count over the table


def test_detail_query_count_does_not_grow_with_members(login, household, users):
    client = login("village")
    client.get(reverse("household_detail", args=[household.pk]))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("household_detail", args=[household.pk]))
    one = len(ctx.captured_queries)
    for i in range(6):
        services.member_add(
            actor=users["village"],
            household=household,
            data=member_data(
                id_number=make_id(seq=f"{i + 500:03d}"),
                relation="son",
                education="",
                school_status="primary",
            ),
            kind="birth",
        )
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("household_detail", args=[household.pk]))
    assert len(ctx.captured_queries) == one
