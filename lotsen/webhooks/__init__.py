"""Webhooks: signed HTTP notices to the municipality's other systems when something happens.

An admin registers endpoints (URL, the events wanted, a secret). When an event happens, a
receiver of the domain's signal (receivers.py) adds one delivery row per subscribed endpoint to
the same transaction (outbox.py), so an event is delivered if and only if it was saved. The
`send-webhooks` worker (delivery.py) claims one due delivery at a time with a lease, POSTs it
signed per Standard Webhooks (signing.py) to an address checked against SSRF (addresses.py,
transport.py), records every attempt, retries with backoff and turns an endpoint off after too
many failures in a row.
"""
