"""With Redis configured, log-in attempts are counted across app processes."""

import uuid

import redis

from lotsen import create_app
from lotsen.extensions import db
from tests.conftest import FormClient, base_test_config

REDIS_URL = "redis://127.0.0.1:6379/0"


def worker(database, prefix):
    config = base_test_config(database["url"], database["instance_path"])
    config.update(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    app = create_app(config)
    app.test_client_class = FormClient
    return app


def login_counters(server) -> dict[bytes, int]:
    return {key: int(server.get(key) or 0) for key in server.keys("LIMITS:*accounts.login*")}


def test_two_workers_share_one_login_limit_in_redis(app, database):
    server = redis.Redis.from_url(REDIS_URL)
    server.ping()  # Redis is part of the test environment
    before = login_counters(server)
    prefix = f"lotsen-test-{uuid.uuid4().hex}"
    apps = [worker(database, prefix), worker(database, prefix)]
    first, second = (worker_app.test_client() for worker_app in apps)
    token_first, token_second = first.csrf_token(), second.csrf_token()
    data = {"email": "ingen@kommun.example", "password": "fel"}
    for attempt in range(10):
        client, token = (first, token_first) if attempt % 2 else (second, token_second)
        assert client.post("/konto/logga-in", data={**data, "csrf_token": token}).status_code == 200
    blocked = first.post("/konto/logga-in", data={**data, "csrf_token": token_first})
    assert blocked.status_code == 429
    after = login_counters(server)
    grown = [key for key, count in after.items() if count - before.get(key, 0) >= 10]
    assert grown, "the attempts were not counted in Redis"
    server.delete(*grown)
    for worker_app in apps:
        with worker_app.app_context():
            db.engine.dispose()
