"""Masks that cannot be undone (issue 14): for roles that may not reveal, ID numbers show
their last four characters, birth dates their year, searches never answer a prefix, and
bulk or file reads of full values are refused; for roles that may, they are logged."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from conftest import make_id
from fupin.core.admin import sensitive_values_in
from fupin.core.errors import DuplicatePerson
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.registry import services
from fupin.registry.models import Attachment, Member

pytestmark = pytest.mark.django_db

HEAD_ID = make_id()  # 431129 19800101 123 + check
FIRST14 = HEAD_ID[:14]
BIRTH = "1980-01-01"


def assert_cannot_rebuild(body: str, where=None):
    assert HEAD_ID not in body, where
    assert FIRST14 not in body, where
    assert BIRTH not in body, where


def _pages(household):
    return [
        reverse("household_list"),
        reverse("household_detail", args=[household.pk]),
        reverse("household_history", args=[household.pk]),
        reverse("household_as_of", args=[household.pk]) + "?as_of=2099-01-01",
    ]


def test_department_pages_show_last_four_and_birth_year_only(login, household):
    client = login("department")
    for url in _pages(household):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_cannot_rebuild(response.content.decode(), url)
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "*" * 14 + HEAD_ID[-4:] in detail
    as_of = client.get(_pages(household)[3]).content.decode()
    assert "<td>1980</td>" in as_of  # the year, not the date
    history = client.get(_pages(household)[2]).content.decode()
    assert "1980" in history


def test_village_user_reads_the_full_birth_date_and_no_digits_without_reveal(login, household):
    client = login("village")
    as_of = client.get(_pages(household)[3]).content.decode()
    assert BIRTH in as_of
    history = client.get(_pages(household)[2]).content.decode()
    assert BIRTH in history
    for url in _pages(household):
        assert HEAD_ID not in client.get(url).content.decode(), url
    assert not SensitiveRead.objects.exists()


def test_id_prefix_search_answers_only_roles_that_may_reveal(login, household):
    for prefix in (HEAD_ID[:6], HEAD_ID[:10], HEAD_ID[:14], HEAD_ID[:17]):
        rows = login("department").get(reverse("household_list"), {"q": prefix}).context["page"]
        assert rows.rows == [], prefix
        rows = login("village").get(reverse("household_list"), {"q": prefix}).context["page"]
        assert [h.pk for h in rows.rows] == [household.pk], prefix


def test_exact_search_finds_and_links_without_echoing_digits(login, household):
    client = login("department")
    response = client.get(reverse("household_list"), {"q": HEAD_ID})
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail", args=[household.pk])
    assert_cannot_rebuild(client.get(response["Location"]).content.decode())
    # Not found: the list again, the number masked.
    other = make_id(seq="999")
    response = client.get(reverse("household_list"), {"q": other})
    assert response.status_code == 302 and other[:14] not in response["Location"]
    page = client.get(response["Location"])
    assert page.context["page"].rows == []
    assert other[:14] not in page.content.decode()
    # A reveal role keeps what it typed.
    response = login("village").get(reverse("household_list"), {"q": HEAD_ID})
    assert HEAD_ID in response.content.decode()


def test_duplicate_person_message_names_no_digits_and_no_household_without_reveal(household, users):
    other = Member(household=household, id_number=HEAD_ID)
    with pytest.raises(DuplicatePerson) as caught:
        services._check_one_active_household(users["department"], other)
    text = str(caught.value.message)
    assert FIRST14 not in text and household.number not in text
    with pytest.raises(DuplicatePerson) as caught:
        services._check_one_active_household(users["village"], other)
    assert household.number in str(caught.value.message)
    assert FIRST14 not in str(caught.value.message)


@pytest.fixture
def attachment(household, users):
    a = Attachment(household=household, kind="other", title="户口簿", content_type="image/png")
    a.file.save("scan.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 32), save=False)
    a.size = a.file.size
    a.uploaded_by = users["village"]
    a.save()
    return a


def test_attachment_download_refused_without_reveal_and_logged_with_it(
    login, household, attachment, users
):
    url = reverse("attachment_download", args=[household.pk, attachment.pk])
    assert login("department").get(url).status_code == 403
    assert not SensitiveRead.objects.exists()
    response = login("village").get(url)
    assert response.status_code == 200
    read = SensitiveRead.objects.get()
    assert (read.user, read.object_type, read.object_id) == (
        users["village"],
        "registry.attachment",
        str(attachment.pk),
    )
    assert read.count == 1 and read.area_code == household.village_id


def test_admin_change_record_page_is_a_logged_read(login, household, users):
    record = ChangeRecord.objects.get(object_type="registry.member", action="create")
    assert sensitive_values_in(record.changes) >= 2  # the ID number and the birth date
    client = login("admin")
    response = client.get(reverse("admin:core_changerecord_change", args=[record.pk]))
    assert response.status_code == 200
    read = SensitiveRead.objects.get()
    assert read.user == users["admin"] and read.channel == "admin"
    assert read.count == sensitive_values_in(record.changes)
    assert read.object_id == str(record.pk)


def test_admin_change_records_refused_to_a_staff_user_without_reveal(client, users):
    user = users["department"]
    user.is_staff = True
    user.save()
    client.force_login(user)
    record = ChangeRecord.objects.first() or None
    url = reverse("admin:core_changerecord_changelist")
    assert client.get(url).status_code in (302, 403, 404)
    if record is not None:
        change = reverse("admin:core_changerecord_change", args=[record.pk])
        assert client.get(change).status_code in (302, 403, 404)
    assert not SensitiveRead.objects.exists()
