from tests.mail.conftest import smtp_port, start_smtp_server  # noqa: F401  (SMTP fixtures)
