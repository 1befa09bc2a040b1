"""Rate limits that services check themselves (not per view): counted in the limiter's storage
(Redis in production), per process when that storage cannot be reached."""

import logging

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from lotsen.extensions import limiter

log = logging.getLogger(__name__)
_fallback = FixedWindowRateLimiter(MemoryStorage())


def hit(setting: str, *identifiers: str) -> bool:
    """Count one attempt against the limit in config[`setting`] ("20 per day;5 per minute")
    for `identifiers`; False when a limit is exceeded (the attempt is then refused)."""
    items = parse_many(current_app.config[setting])
    key = (setting.lower(), *identifiers)
    try:
        return all([limiter.limiter.hit(item, *key) for item in items])
    except Exception:  # the storage (Redis) is unreachable: count in this process instead
        log.warning("Rate limit storage unreachable; counting %s in this process", setting)
        return all([_fallback.hit(item, *key) for item in items])
