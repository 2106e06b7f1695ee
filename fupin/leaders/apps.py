from django.apps import AppConfig


class LeadersConfig(AppConfig):
    name = "fupin.leaders"
    label = "leaders"
