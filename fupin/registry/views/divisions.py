from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.geo.models import VillageProfile
from fupin.geo.services import village_profile_update
from fupin.registry import queries
from fupin.registry.forms import VillageProfileForm
from fupin.registry.views.hooks import division_links
from fupin.web.views.common import call_service, render_page, require_capability


@login_required
def division(request: SignedInRequest, code: str | None = None) -> HttpResponse:
    tree = queries.division_tree(user=request.user, code=code)
    form = None
    if tree.profile is not None and request.user.may_edit:
        form = VillageProfileForm(instance=tree.profile)
    return _page(request, tree, form)


def _page(
    request: SignedInRequest, tree: queries.TreeNode, form: VillageProfileForm | None
) -> HttpResponse:
    links = division_links(tree.node) if tree.node is not None else []
    return render_page(
        request,
        "registry/division.html",
        {"tree": tree, "profile_form": form, "procedure_links": links},
    )


@login_required
def village_profile_edit(request: SignedInRequest, code: str) -> HttpResponse:
    node = queries.division_get(user=request.user, code=code)
    if node is None or not node.is_village:
        raise Http404
    require_capability(request.user, Capability.EDIT_REGISTRY)
    profile, _created = VillageProfile.objects.get_or_create(village=node)
    form = VillageProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            village_profile_update,
            profile=profile,
            actor=request.user,
            data=form.data_for_service(),
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The village profile was saved."))
            return redirect("division", code=node.code)
    tree = queries.division_tree(user=request.user, code=code)
    return _page(request, tree, form)
