from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "fupin.supervision"
    label = "supervision"
