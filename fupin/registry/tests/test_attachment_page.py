"""The "Add a file" form has a page of its own: the household page links to it instead of
rendering the form (in a closed section) on every view of the household."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_household_page_links_to_the_add_a_file_page(client, users, household):
    client.force_login(users["village"])
    upload_url = reverse("attachment_upload", args=[household.pk])
    detail = client.get(
        reverse("household_detail", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f'href="{upload_url}"' in detail
    assert 'enctype="multipart/form-data"' not in detail  # the form is on its own page

    page = client.get(upload_url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'action="{upload_url}"' in text and 'name="file"' in text
    assert "This field is required" not in text  # an empty form, not a failed upload


def test_add_a_file_page_is_for_editors_only(client, users, household):
    client.force_login(users["inspector"])  # reads the registry, does not edit it
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("attachment_upload", args=[household.pk]) not in detail
    page = client.get(reverse("attachment_upload", args=[household.pk]))
    assert page.status_code == 403
