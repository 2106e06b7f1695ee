from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "fupin.policy"
    label = "policy"

    def ready(self):
        from fupin.accounts import authority
        from fupin.policy.selectors import four_eyes_setting

        authority.register_setting_source(four_eyes_setting)
