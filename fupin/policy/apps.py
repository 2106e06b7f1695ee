from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "fupin.policy"
    label = "policy"

    def ready(self):
        # Imported here: models load only once the app registry is ready. The one place
        # that tells accounts.authority where the four-eyes setting comes from.
        from fupin.accounts import authority
        from fupin.policy.selectors import four_eyes_setting

        authority.register_setting_source(four_eyes_setting)
