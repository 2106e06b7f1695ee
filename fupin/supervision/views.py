from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def index(request):
    # Scaffold: replaced by the supervision pages.
    return render(request, "supervision/index.html")
