from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    # Scaffold: replaced by the dashboards pages.
    return render(request, "dashboards/home.html")
