from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"

    def ready(self) -> None:
        # Imported here: it connects signal receivers once the app registry is ready.
        from fupin.core import security

        security.connect()
