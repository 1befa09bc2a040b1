"""gunicorn settings for Lotsen: `gunicorn -c gunicorn.conf.py 'lotsen:create_app()'`."""

import multiprocessing
import os

bind = os.environ.get("LOTSEN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LOTSEN_WORKERS", multiprocessing.cpu_count() * 2))
accesslog = "-"
forwarded_allow_ips = os.environ.get("LOTSEN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    # Status-link and reset tokens are in URL paths: keep them out of the access log.
    from lotsen.logging_setup import install_log_redaction

    install_log_redaction()
