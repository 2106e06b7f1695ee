from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from fupin.core.masking import MASKERS

register = template.Library()


@register.filter
def mask(value, kind):
    """{{ member.id_number|mask:"id_number" }}"""
    return MASKERS[kind](value or "")


@register.simple_tag(takes_context=True)
def sensitive(context, obj, kind, field):
    """A masked value, with a reveal button for roles that may see it (logged)."""
    value = getattr(obj, field) or ""
    masked = MASKERS[field](value)
    user = context["request"].user
    if not value or not user.may_reveal:
        return format_html('<span class="masked">{}</span>', masked or "—")
    url = reverse("reveal", args=[kind, obj.pk, field])
    return format_html(
        '<span class="masked">{}</span> '
        '<button type="button" class="reveal" data-url="{}" title="{}">{}</button>',
        masked,
        url,
        _("Show the full value (the reading is logged)"),
        _("show"),
    )


@register.filter
def yesno_mark(value):
    if value is None:
        return "—"
    return format_html(
        '<span class="{}">{}</span>', "ok" if value else "bad", "✓" if value else "✗"
    )


@register.filter
def can(user, capability):
    """{% if user|can:"admin" %}: the role table decides, not the template."""
    return bool(getattr(user, "can", None)) and user.can(capability)
