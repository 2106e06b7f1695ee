from django.apps import AppConfig


class CompareConfig(AppConfig):
    name = "fupin.compare"
    label = "compare"
