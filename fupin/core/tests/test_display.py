"""ChoiceLabels gives what Django's get_FOO_display gives, for every choice."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import translation

from fupin.core.display import ChoiceLabels
from fupin.programmes.models import LedgerRow


def _models_with_labels() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_every_choice_of_every_field_reads_as_django_reads_it():
    used = _models_with_labels()
    names = {m._meta.label for m in used}
    assert {"cases.Case", "registry.Member", "registry.Household"} <= names
    compared = 0
    for model in used:
        fields = [f for f in model._meta.concrete_fields if f.choices]
        # The mixin is only worth it on a model with choices; a programme ledger's row
        # has it from the shared LedgerRow, whether or not its own fields have any.
        assert fields or issubclass(model, LedgerRow), model
        for field in fields:
            values = [value for value, _label in field.flatchoices]
            for value in [*values, "not-a-choice", None]:
                obj = model()
                setattr(obj, field.attname, value)
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        ours = getattr(obj, f"get_{field.name}_display")()
                        django = models.Model._get_FIELD_display(obj, field)
                    assert ours == django, (model, field.name, value, language)
                    assert type(ours) is type(django)
                    compared += 1
    assert compared > 500


def test_labels_follow_the_language_of_the_moment():
    from fupin.registry.models import Member

    member = Member(ethnicity="01")
    with translation.override("en"):
        english = member.get_ethnicity_display()
    with translation.override("zh-hans"):
        chinese = member.get_ethnicity_display()
    assert chinese == "汉族" and english != chinese
