"""Signatures per Standard Webhooks, and the URLs and addresses a webhook may go to."""

import base64
import hashlib
import hmac
import ipaddress
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from lotsen.webhooks.addresses import (
    AddressPolicy,
    UnsafeUrl,
    address_kind,
    parse_target,
)
from lotsen.webhooks.signing import new_message_id, new_secret, secret_key, signed_headers

BODY = '{"type":"case.created","timestamp":"2026-12-03T14:05:09Z","data":{"case_id":1}}'


# --- Signing ---------------------------------------------------------------------------------


def test_a_secret_is_whsec_and_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret_key(secret)) == 32
    assert secret != new_secret()
    assert new_message_id().startswith("msg_") and new_message_id() != new_message_id()


def test_the_signature_verifies_with_the_reference_library_and_plain_hmac():
    secret = new_secret()
    now = int(time.time())
    headers = signed_headers([secret], "msg_abc", now, BODY.encode())

    assert Webhook(secret).verify(BODY, headers) == {
        "type": "case.created",
        "timestamp": "2026-12-03T14:05:09Z",
        "data": {"case_id": 1},
    }
    expected = base64.b64encode(
        hmac.new(
            base64.b64decode(secret.removeprefix("whsec_")),
            f"msg_abc.{now}.{BODY}".encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert headers == {
        "webhook-id": "msg_abc",
        "webhook-timestamp": str(now),
        "webhook-signature": f"v1,{expected}",
    }


def test_a_changed_body_id_or_secret_does_not_verify():
    secret = new_secret()
    headers = signed_headers([secret], "msg_abc", int(time.time()), BODY.encode())
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("1", "2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers | {"webhook-id": "msg_other"})
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_during_a_rotation_both_secrets_verify():
    old, new = new_secret(), new_secret()
    headers = signed_headers([new, old], "msg_abc", int(time.time()), BODY.encode())
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)


def test_a_body_with_non_ascii_text_is_signed_as_its_utf8_bytes():
    secret = new_secret()
    body = '{"data":{"category":"Bygglov – Ängsvägen"}}'
    headers = signed_headers([secret], "msg_å", int(time.time()), body.encode())
    Webhook(secret).verify(body.encode(), headers)


# --- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, code",
    [
        ("", "empty"),
        ("system.kommun.se/hook", "scheme"),
        ("ftp://system.kommun.se/hook", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http://system.kommun.se/hook", "http"),
        ("https://user:pass@system.kommun.se/hook", "credentials"),
        ("https://system.kommun.se@evil.example/hook", "credentials"),
        ("https://system.kommun.se/hook#part", "fragment"),
        ("https://system.kommun.se:99999/hook", "port"),
        ("https://system.kommun.se:0/hook", "port"),
        ("https:///hook", "host"),
        ("https://bad_host-.example/hook", "host"),
        ("https://exa mple.se/hook", "characters"),
        ("https://example.se/\x00", "characters"),
        ("https://example.se/" + "a" * 2000, "length"),
        ("https://[fe80::1%25eth0]/hook", "host"),
    ],
)
def test_malformed_or_unsafe_urls_are_refused_with_a_reason(url, code):
    with pytest.raises(UnsafeUrl) as refused:
        parse_target(url)
    assert refused.value.code == code


def test_a_good_url_is_normalised():
    target = parse_target("  HTTPS://System.Kommun.SE:8443/lotsen/hook?source=lotsen ")
    assert target.url == "https://system.kommun.se:8443/lotsen/hook?source=lotsen"
    assert (target.host, target.port, target.request_path) == (
        "system.kommun.se",
        8443,
        "/lotsen/hook?source=lotsen",
    )
    assert parse_target("https://räksmörgås.se").url == "https://xn--rksmrgs-5wao1o.se/"
    assert parse_target("https://[2001:db8::1]/x").host == "2001:db8::1"


def test_plain_http_only_to_localhost_unless_allowed():
    assert parse_target("http://localhost:8080/hook").port == 8080
    assert parse_target("http://127.0.0.1/hook").scheme == "http"
    assert parse_target("http://[::1]:9000/").host == "::1"
    assert parse_target("http://intranet.kommun.se/hook", allow_http=True).port == 80


# --- Addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, kind",
    [
        ("93.184.215.14", "public"),
        ("2a00:1450:4010:c05::64", "public"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("::ffff:169.254.169.254", "link-local"),  # IPv4-mapped
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("127.0.0.1", "private"),
        ("::1", "private"),
        ("::ffff:127.0.0.1", "private"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # shared address space (CGNAT)
        ("fd12:3456::1", "private"),
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_private_addresses_only_when_allowed_and_link_local_never():
    loopback, intranet = ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.20.1.5")
    metadata = ipaddress.ip_address("169.254.169.254")
    default = AddressPolicy()
    assert default.refusal(loopback) == "private"
    assert default.refusal(ipaddress.ip_address("93.184.215.14")) is None
    allowed = AddressPolicy(allow_private=True)
    assert allowed.refusal(loopback) is None and allowed.refusal(intranet) is None
    assert allowed.refusal(metadata) == "link-local"
    one_network = AddressPolicy.from_config({"WEBHOOK_ALLOWED_NETWORKS": ["10.20.0.0/16", "x"]})
    assert one_network.refusal(intranet) is None
    assert one_network.refusal(ipaddress.ip_address("10.30.0.1")) == "private"
    assert one_network.refusal(loopback) == "private"
    everything = AddressPolicy.from_config({"WEBHOOK_ALLOWED_NETWORKS": ["0.0.0.0/0"]})
    assert everything.refusal(metadata) == "link-local"


def test_a_name_with_one_internal_address_is_refused_whole():
    public, internal = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.1")
    with pytest.raises(UnsafeUrl) as refused:
        AddressPolicy().check([public, internal])
    assert refused.value.code == "address"
    assert (refused.value.detail, refused.value.kind) == ("10.0.0.1", "private")
