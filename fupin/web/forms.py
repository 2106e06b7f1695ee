"""Forms parse and render input only. Validation that matters happens in the services;
their errors are put back on the fields with `apply_errors`. The base of every app's forms."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from fupin.core.errors import DuplicatePerson, IdNumberInvalid, ValidationFailed

BLANK = [("", "—")]
# Django's label for an empty choice in model forms, which its own catalogue does not yet
# translate into Chinese; our catalogue (LOCALE_PATHS) comes first.
gettext_noop("- Select an option -")


class ParseOnlyModelForm(forms.ModelForm):
    """A ModelForm that does not build or validate the model: the service does."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def _post_clean(self):
        pass

    def data_for_service(self, exclude=()) -> dict:
        skip = {"reason", *exclude}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


def set_choices(field: forms.Field, choices: Any) -> None:
    """Give a form's choice field the choices known only when the form is made (the
    user's areas, the household's members …)."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def apply_errors(form: forms.BaseForm, exc: Exception) -> None:
    """Put a service's error on the form fields it names (or on the form)."""
    if isinstance(exc, ValidationFailed):
        for name, messages in exc.errors.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, str(message))
        if not exc.errors:
            form.add_error(None, str(exc.message))
    elif isinstance(exc, DuplicatePerson | IdNumberInvalid):
        name = exc.field or "id_number"
        form.add_error(name if name in form.fields else None, str(exc.message))
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


def _escape(text: Any) -> str:
    """Django's conditional_escape for a choice's value or label, without its wrappers."""
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return html.escape(str(text))


class LongSelect(forms.Select):
    """A select of many plain options (the divisions of an area: 335 in a county, more
    above): the same HTML as forms.Select, its options joined by format_html_join instead of
    rendered through a template each (about 15 ms of CPU per county filter form, 1 ms so).
    Choices in groups render as forms.Select does."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        if any(isinstance(label, (list, tuple)) for _v, label in self.choices):
            return super().render(name, value, attrs, renderer)
        # The plain widget's context (value and attributes): Select's own would build an
        # option dict per choice (optgroups), 335 of them for a county, that is never read.
        context = forms.Widget.get_context(self, name, value, attrs)
        if self.allow_multiple_selected:
            context["widget"]["attrs"]["multiple"] = True
        selected = set(context["widget"]["value"])
        # Each value and label escaped as format_html would (conditional_escape: what is
        # safe already stays), by the standard library's escape directly: format_html's
        # lazy-aware wrappers cost 2 ms of the county's 335 options.
        options = mark_safe(  # noqa: S308 (each value and label escaped just below)
            "\n".join(
                f'<option value="{_escape(v)}"{" selected" if str(v) in selected else ""}>'
                f"{_escape(label)}</option>"
                for v, label in self.choices
            )
        )
        # The select's attributes in their order, as django/forms/widgets/attrs.html does.
        attrs_html = format_html_join(
            "",
            "{}",
            (
                (format_html(" {}", k) if v is True else format_html(' {}="{}"', k, v),)
                for k, v in context["widget"]["attrs"].items()
                if v is not False
            ),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', name, attrs_html, options)
