"""LongSelect (the area filters' select of hundreds of divisions) writes the HTML that
Django's Select writes, escaped, with the chosen option selected."""

import re

import pytest
from django import forms

from fupin.web.forms import LongSelect

CHOICES = [
    ("", "—"),
    ("431129100000", "沱江镇"),
    ("431129100201", "\u3000大坪村"),
    ("a&b", 'x<"y">'),
]


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize("value", ["431129100201", "", None, "a&b", "not a choice"])
def test_long_select_writes_what_select_writes(value):
    attrs = {"id": "id_area", "class": "wide"}
    expected = forms.Select(choices=CHOICES).render("area", value, attrs)
    assert _same(LongSelect(choices=CHOICES).render("area", value, attrs)) == _same(expected)


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = LongSelect(choices=CHOICES).render("area", "431129100201")
    assert '<option value="431129100201" selected>\u3000大坪村</option>' in html
    assert html.count(" selected") == 1
    assert '<option value="a&amp;b">x&lt;&quot;y&quot;&gt;</option>' in html


def test_grouped_choices_render_as_select_does():
    grouped = [("湖南", [("43", "湖南省")]), ("", "—")]
    expected = forms.Select(choices=grouped).render("area", "43")
    assert LongSelect(choices=grouped).render("area", "43") == expected
