"""Where a webhook may be sent: the URL's form, and the addresses its host resolves to (SSRF).

An admin types the URL, but the request is made by the server, from inside the municipality's
network. So a URL is refused when its host is (or resolves to) an address that is not on the
public internet: link-local addresses (the cloud metadata service at 169.254.169.254 among
them), multicast, unspecified and reserved addresses always; private, loopback and shared
(CGNAT) addresses unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on or the address is inside one of
WEBHOOK_ALLOWED_NETWORKS. The check is made when the endpoint is saved and again before every
delivery, on the very address then connected to (transport.py), so a DNS answer that changes
after the check cannot redirect a delivery.
"""

import contextlib
import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2000
LOCAL_HOSTNAMES = ("localhost", "localhost.localdomain")
# Metadata services reachable on addresses that are not link-local (AWS over IPv6, Alibaba).
METADATA_ADDRESSES = {
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")
# Kinds of address never connected to, whatever the settings say.
ALWAYS_REFUSED = ("metadata", "link-local", "multicast", "unspecified", "reserved")


class UnsafeUrl(ValueError):
    """The URL cannot be used for a webhook. `code` says why (for a message in the user's
    language), `detail` names the part (an address, a scheme); str() is for logs."""

    def __init__(self, code: str, detail: str = "", kind: str = ""):
        text = f"{code}: {detail}" if detail else code
        super().__init__(f"{text} ({kind})" if kind else text)
        self.code = code
        self.detail = detail
        self.kind = kind  # for a refused address: its kind (address_kind)


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: what to connect to and what to ask for."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA), without brackets
    port: int
    request_path: str  # path and query, as sent in the request line

    @property
    def is_local_name(self) -> bool:
        return is_local_host(self.host)


def is_local_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOCAL_HOSTNAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(url: str, allow_http: bool = False) -> Target:
    """Check the URL's form: https (http only to localhost, or when allowed), a host, no user
    name or password, no fragment, a valid port. Returns the normalised target."""
    url = (url or "").strip()
    if not url:
        raise UnsafeUrl("empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl("length")
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise UnsafeUrl("characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl("port" if "port" in str(error).lower() else "form") from error
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeUrl("scheme", scheme)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl("credentials")
    if parts.fragment or url.endswith("#"):
        raise UnsafeUrl("fragment")
    host = ascii_host(parts)
    if scheme == "http" and not (allow_http or is_local_host(host)):
        raise UnsafeUrl("http")
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 0 < port < 65536:
        raise UnsafeUrl("port")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{port}"
    normalised = f"{scheme}://{netloc}{path}"
    return Target(normalised, scheme, host, port, path)


def ascii_host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if not host:
        raise UnsafeUrl("host")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and getattr(literal, "scope_id", None) is None:
        return str(literal)
    if "%" in host:  # an IPv6 zone, or a percent-encoded name
        raise UnsafeUrl("host", host[:100])
    try:
        ascii_name = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise UnsafeUrl("host", host[:100]) from error
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > 253 or not all(valid_label(label) for label in labels):
        raise UnsafeUrl("host", host[:100])
    return ascii_name


def valid_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(char.isalnum() or char in "-_" for char in label)
    )


# --- Addresses -------------------------------------------------------------------------------


def embedded_ipv4(address):
    """The IPv4 address an IPv6 address stands for (mapped ::ffff:a.b.c.d or NAT64), if any."""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address) -> str:
    """'public', or why the address is not: one of ALWAYS_REFUSED, or 'private'."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_kind(inner)
    if address in METADATA_ADDRESSES:
        return "metadata"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "private"
    if address.is_reserved:
        return "reserved"
    if address.version == 4 and address in SHARED:
        return "private"
    if address.is_global:
        return "public"
    return "private"  # private, loopback, documentation and other special-purpose ranges


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allowed_networks: tuple = ()

    @classmethod
    def from_config(cls, config) -> "AddressPolicy":
        networks = []
        for value in config.get("WEBHOOK_ALLOWED_NETWORKS") or ():
            try:
                networks.append(ipaddress.ip_network(str(value), strict=False))
            except ValueError:
                log.warning("WEBHOOK_ALLOWED_NETWORKS: %r is not a network; ignored", value)
        return cls(bool(config.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES")), tuple(networks))

    def refusal(self, address) -> str | None:
        """Why `address` may not be connected to (its kind), or None if it may."""
        kind = address_kind(address)
        if kind == "public":
            return None
        if kind in ALWAYS_REFUSED:
            return kind
        if self.allow_private or any(
            address.version == network.version and address in network
            for network in self.allowed_networks
        ):
            return None
        return kind

    def check(self, addresses: list) -> None:
        """Refuse (UnsafeUrl 'address') if any of the host's addresses may not be used: a
        name that answers with one public and one internal address is not to be trusted."""
        for address in addresses:
            kind = self.refusal(address)
            if kind is not None:
                raise UnsafeUrl("address", str(address), kind)


def resolve(host: str, port: int) -> list:
    """The addresses `host` resolves to, in the resolver's order (a literal gives itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeUrl("unresolvable", f"{host}: {error}") from error
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl("unresolvable", host)
    return addresses


def resolve_within(host: str, port: int, seconds: float) -> list | None:
    """resolve(), giving up after `seconds` (the resolver has no timeout of its own); None when
    it did not answer in time or could not resolve the name."""
    found: dict = {}

    def lookup():
        with contextlib.suppress(UnsafeUrl):
            found["addresses"] = resolve(host, port)

    thread = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    thread.start()
    thread.join(seconds)
    return found.get("addresses")
