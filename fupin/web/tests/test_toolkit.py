"""The shared view toolkit (fupin.web.views.common): the role check before a view, the
dispatch of a page's actions, and 422 for a page showing an invalid form."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from fupin.accounts.roles import Capability
from fupin.core.errors import DomainError, NotAllowed
from fupin.web.views.common import (
    Action,
    access_required,
    capability_required,
    dispatch_action,
    invalid_form_in,
    render_page,
    require_capability,
)

pytestmark = pytest.mark.django_db


class NameForm(forms.Form):
    name = forms.CharField()


def _request(method="get", data=None, user=None):
    request = getattr(RequestFactory(), method)("/page/", data or {})
    request.user = user if user is not None else AnonymousUser()
    return request


def _ok(request):
    return HttpResponse("ok")


def test_capability_required_sends_anonymous_to_login_and_refuses_other_roles(users):
    view = capability_required(Capability.EDIT_REGISTRY)(_ok)
    anonymous = view(_request())
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    with pytest.raises(PermissionDenied):
        view(_request(user=users["department"]))  # reads, does not edit
    assert view(_request(user=users["village"])).content == b"ok"
    # every capability named is needed
    both = capability_required(Capability.EDIT_REGISTRY, Capability.CONFIGURE)(_ok)
    with pytest.raises(PermissionDenied):
        both(_request(user=users["village"]))
    assert both(_request(user=users["county"])).status_code == 200
    hidden = capability_required(Capability.CONFIGURE, deny=Http404)(_ok)
    with pytest.raises(Http404):
        hidden(_request(user=users["village"]))


def test_access_required_asks_the_rule(users):
    view = access_required(lambda user: user.username == "township")(_ok)
    with pytest.raises(PermissionDenied):
        view(_request(user=users["village"]))
    assert view(_request(user=users["township"])).status_code == 200
    with pytest.raises(PermissionDenied):
        require_capability(AnonymousUser(), Capability.VIEW_REGISTRY)


def _actions(ran):
    def refuse(_data):
        raise DomainError("not now")

    def forbid(_data):
        raise NotAllowed("someone else decides")

    return {
        "save": Action(form=lambda: NameForm({"name": "x"}), run=lambda d: ran.append(d) or 1),
        "empty": Action(form=lambda: NameForm({}), run=lambda d: ran.append(d) or 1),
        "refused": Action(form=lambda: NameForm({"name": "x"}), run=refuse),
        "forbidden": Action(form=lambda: NameForm({}), run=forbid, run_invalid=True),
    }


def test_dispatch_action_runs_the_named_action_only_on_a_valid_form():
    ran: list = []
    outcome = dispatch_action(_request("post", {"action": "save"}), _actions(ran))
    assert (outcome.name, outcome.done, ran) == ("save", 1, [{"name": "x"}])
    outcome = dispatch_action(_request("post", {"action": "empty"}), _actions(ran))
    assert outcome.done is None and outcome.form.errors["name"] and len(ran) == 1
    outcome = dispatch_action(_request("post", {"action": "refused"}), _actions(ran))
    assert outcome.done is None and outcome.form.non_field_errors() == ["not now"]
    # run_invalid: the service's refusal (403) wins over the empty form
    with pytest.raises(PermissionDenied, match="someone else decides"):
        dispatch_action(_request("post", {"action": "forbidden"}), _actions(ran))
    with pytest.raises(Http404):
        dispatch_action(_request("post", {"action": "other"}), _actions(ran))
    # a page that tells its forms apart otherwise names the action itself
    outcome = dispatch_action(_request("post", {}), _actions(ran), name="save")
    assert outcome.done == 1


def test_render_page_answers_422_to_a_post_showing_an_invalid_form(users):
    bad, good = NameForm({}), NameForm({"name": "x"})
    post = _request("post", user=users["village"])
    assert render_page(post, "web/_fields.html", {"form": bad}).status_code == 422
    assert render_page(post, "web/_fields.html", {"form": good}).status_code == 200
    # forms in a dict or a list of the context count too
    assert invalid_form_in({"forms": {"a": good, "b": bad}})
    assert invalid_form_in({"rows": [good, bad]})
    assert not invalid_form_in({"rows": [good], "form": NameForm()})
    # a service's refusal added to a valid form makes it invalid
    refused = NameForm({"name": "x"})
    refused.is_valid()
    refused.add_error(None, "refused")
    assert invalid_form_in({"form": refused})
    # a GET (a filter form bound to the query) keeps its status
    get = _request("get", user=users["village"])
    assert render_page(get, "web/_fields.html", {"form": bad}).status_code == 200
    assert render_page(post, "web/_fields.html", {"form": bad}, status=409).status_code == 409
