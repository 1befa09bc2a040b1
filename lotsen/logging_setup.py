"""Keep secrets out of logs: private status-link and password-reset tokens travel in URL paths,
and web servers log request lines. This filter replaces them before a record is written."""

import logging
import re

SECRET_PATHS = re.compile(
    r"(/status/|/konto/nytt-losenord/|/enkat/)(?!ny-lank\b)[A-Za-z0-9_.\-]{16,}"
)
REDACTED = r"\1[dold]"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "lotsen")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install_log_redaction(app=None) -> None:
    loggers = [logging.getLogger(name) for name in ACCESS_LOGGERS]
    if app is not None:
        loggers.append(app.logger)
    for logger in loggers:
        if not any(isinstance(f, RedactSecretsFilter) for f in logger.filters):
            logger.addFilter(RedactSecretsFilter())
