from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "fupin.indicators"
    label = "indicators"
