from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "fupin.scoring"
    label = "scoring"
