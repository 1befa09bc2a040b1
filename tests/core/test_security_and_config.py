import os
import stat

from lotsen import create_app
from lotsen.config import load_or_create_secret_key, normalise_database_url


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/konto/logga-in")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_scripts_or_styles():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "templates")
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            assert "<script>" not in text and "<style" not in text, name
            assert " style=" not in text and " onclick=" not in text, name


def test_https_deployment_marks_cookies_secure_and_sends_hsts(database, tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "DATABASE_URL": database["url"],
            "PREFERRED_URL_SCHEME": "https",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/konto/logga-in")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_or_create_secret_key(str(tmp_path))
    second = load_or_create_secret_key(str(tmp_path))
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_database_url_uses_psycopg_3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite"


def test_environment_overrides_defaults(monkeypatch, tmp_path, database):
    monkeypatch.setenv("DATABASE_URL", database["url"])
    monkeypatch.setenv("SECRET_KEY", "from-environment")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-environment"
    assert app.config["SMTP_PORT"] == 2525 and app.config["SMTP_STARTTLS"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(database["url"].split(":")[0])


def test_error_pages_are_in_swedish(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
    response = client.get("/konto/logga-in", headers={"Accept": "application/json"})
    assert response.status_code == 200


def test_an_oversized_request_gets_a_clear_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/konto/logga-in", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)


def test_health_check_touches_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
