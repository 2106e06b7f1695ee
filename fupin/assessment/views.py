from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def index(request):
    # Scaffold: replaced by the assessment pages.
    return render(request, "assessment/index.html")
