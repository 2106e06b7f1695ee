from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"

    def ready(self) -> None:
        # Whether a household has member changes and files, read with it on its page
        # (registry.panels).
        # Imported here: models load only once the app registry is ready.
        from fupin.registry import panels
        from fupin.registry.models import Attachment, MemberChange

        panels.register(panels.MEMBER_CHANGES, MemberChange)
        panels.register(panels.ATTACHMENTS, Attachment)
