"""The beat's part in a check-in, alone: `prescriptions.refresh_shared_values` on its
schedule (settings.CELERY_BEAT_SCHEDULE), run by bench/pages.py beside gunicorn so the
check-in is measured as it runs in production. The rest of the beat (nudges, prunes)
stays off: on the scale dataset it would load the machine the pages are measured on.

    python bench/beat.py   (Django settings from the environment; stops on SIGTERM)
"""

import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from prescriptions import tasks

    every = settings.CELERY_BEAT_SCHEDULE["shared-values-refresh"]["schedule"].total_seconds()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        began = time.monotonic()
        tasks.refresh_shared_values()
        time.sleep(max(0.0, every - (time.monotonic() - began)))


if __name__ == "__main__":
    main()
