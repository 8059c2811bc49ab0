"""Logging pieces for fourc/settings.py's LOGGING."""

import logging


class ExpectedRefusals(logging.Filter):
    """A 403 is 4C saying no on purpose (a member who may not do this, a refused write):
    one line says so, without the traceback of the PermissionDenied that carried it, so
    the log keeps tracebacks for what went wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
