"""LongSelect escapes as Django's Select does for every kind of label: plain text with
markup characters, text already safe, lazy translations, numbers."""

import re

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from fupin.web.forms import LongSelect

CHOICES = [
    ("", "—"),
    ("<b>", "<b>&'\"</b>"),
    ("safe", mark_safe("<em>kept</em>")),
    ("lazy", gettext_lazy("Area")),
    (7, 7),
]


def test_every_kind_of_label_renders_as_select_renders_it():
    with override("zh-hans"):
        for value in ("<b>", "safe", "7", None):
            expected = forms.Select(choices=CHOICES).render("area", value)
            got = LongSelect(choices=CHOICES).render("area", value)
            assert re.sub(r"\s+", " ", got) == re.sub(r"\s+", " ", expected)
    html = LongSelect(choices=CHOICES).render("area", "7")
    assert '<option value="&lt;b&gt;">&lt;b&gt;&amp;&#x27;&quot;&lt;/b&gt;</option>' in html
    assert "<em>kept</em>" in html
    assert '<option value="7" selected>7</option>' in html
