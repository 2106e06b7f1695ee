from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
