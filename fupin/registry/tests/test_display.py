"""registry.display: stored values shown to people."""

from fupin.registry.display import field_label, show_value
from fupin.registry.models import Household


def test_a_reverse_relation_is_shown_by_its_name():
    # get_field answers a reverse relation (no label, no choices) for a household's
    # "members"; the label and the value fall back to the name and the plain text.
    assert field_label(Household, "members") == "members"
    assert show_value(Household, "members", "3") == "3"


def test_a_field_shows_its_label_and_choice_label():
    assert field_label(Household, "status") == str(Household._meta.get_field("status").verbose_name)
    choice, label = Household._meta.get_field("status").flatchoices[0]
    assert show_value(Household, "status", choice) == str(label)
