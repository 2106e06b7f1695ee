from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "fupin.quality"
    label = "quality"
