from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"

    def ready(self) -> None:
        from fupin.core import security

        security.connect()
