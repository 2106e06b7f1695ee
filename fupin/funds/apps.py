from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "fupin.funds"
    label = "funds"
