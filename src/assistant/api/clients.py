"""Who is asking: the client's address, believed from X-Forwarded-For only when the request comes from
one of the trusted reverse proxies (ASSISTANT_TRUSTED_PROXIES), never otherwise."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from starlette.requests import HTTPConnection

from assistant.errors import UserError

Address = IPv4Address | IPv6Address


def _parse(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ClientAddresses:
    def __init__(self, trusted: str = "") -> None:
        self.networks: list[IPv4Network | IPv6Network] = []
        for item in (t.strip() for t in trusted.split(",")):
            if not item:
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise UserError(
                    f"ASSISTANT_TRUSTED_PROXIES: '{item}' không phải địa chỉ IP hay dải mạng (ví dụ 10.0.0.5 hoặc 10.0.0.0/24)."
                ) from None

    def trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in net for net in self.networks)

    def address(self, conn: HTTPConnection) -> str:
        """The client's address as text (the peer's, or the forwarded one when the peer is a trusted proxy)."""
        peer_text = conn.client.host if conn.client else ""
        peer = _parse(peer_text)
        if not self.networks or not self.trusted(peer):
            return peer_text or "unknown"
        hops = [h for h in ",".join(conn.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
        for hop in reversed(hops):  # the nearest hop first: each proxy appends what it saw
            address = _parse(hop)
            if address is None:
                break  # garbage in the header: stop believing it here
            if not self.trusted(address):
                return str(address)
        return peer_text or "unknown"

    def key(self, conn: HTTPConnection) -> str:
        """The rate-limit key: the address, or its /64 network for IPv6 (one subscriber's block)."""
        text = self.address(conn)
        address = _parse(text)
        if isinstance(address, IPv6Address) and address.ipv4_mapped is None:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return text
