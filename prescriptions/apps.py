from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self):
        from prescriptions import receivers  # noqa: F401 - connects the signal receivers
