from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self):
        from community import notifications
        from prescriptions import (
            receivers,  # noqa: F401 - connects the signal receivers
            yourdata,  # noqa: F401 - registers its areas of a member's data
        )
        from prescriptions.selectors import MOOD_SINKING_SHARED

        notifications.register_kind(
            MOOD_SINKING_SHARED, "prescriptions/notifications/mood_sinking_shared.jinja"
        )
