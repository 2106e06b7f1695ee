from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fupin.geo.models import VillageProfile
from fupin.geo.services import village_profile_update
from fupin.web import queries
from fupin.web.forms import VillageProfileForm
from fupin.web.views.common import call_service, require_may_edit


@login_required
def division(request, code=None):
    tree = queries.division_tree(user=request.user, code=code)
    form = None
    if tree.profile is not None and request.user.may_edit:
        form = VillageProfileForm(instance=tree.profile)
    return render(request, "web/division.html", {"tree": tree, "profile_form": form})


@login_required
def village_profile_edit(request, code):
    node = queries.division_get(user=request.user, code=code)
    if node is None or not node.is_village:
        raise Http404
    require_may_edit(request.user)
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
    return render(request, "web/division.html", {"tree": tree, "profile_form": form})
