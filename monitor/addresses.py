"""Which addresses the monitor may fetch from: public ones, unless the config allows more.

A page-change monitor fetches what its watches name, and follows where the pages send
it; left open, it is a way into the machine and the network it runs in (loopback
admin pages, a router, the cloud's metadata service). So every address it connects
to must be public: ``ipaddress`` says what is, and ``allow_internal`` in the
``[monitor]`` table of the config lets chosen networks through.

The functions here are pure (no DNS, no socket); ``fetch.py`` applies them to the URL
of every request, redirects included, and to every address a host name resolves to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_KEY = "allow_internal"
"""The config key that lets internal addresses through (in the ``[monitor]`` table)."""
EVERY_ADDRESS: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("0.0.0.0/0"),
    ipaddress.IPv6Network("::/0"),
)
# DNS64 answers an IPv6-only host with IPv4 addresses inside this prefix (RFC 6052):
# they are judged by the IPv4 address they carry, which the NAT64 gateway connects to.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def internal_kind(address: IPAddress) -> str | None:
    """What makes ``address`` internal, in words ("a loopback address"); None if public."""
    address = _carried(address)
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"  # 169.254.169.254: the cloud's metadata service
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        # e.g. 100.64.0.0/10, the carrier-grade NAT space: neither private nor public.
        return "not a public address"
    return None


def _carried(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one stands for, when it stands for one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host is, when it is one, in any spelling the OS connects to
    (``127.1``, ``0x7f.1``, ``2130706433``, ``[::ffff:127.0.0.1]``); None for a name.

    The C library's own parser (getaddrinfo with AI_NUMERICHOST, which never asks DNS)
    reads the spelling, so what is checked is what a connection would reach.
    """
    host = host.strip("[]")
    if not host:
        return None
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(infos[0][4][0])


def _is_localhost(host: str) -> bool:
    # RFC 6761: these names are loopback whatever DNS says.
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus the networks the config allows."""

    allowed: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        carried = _carried(address)
        return internal_kind(address) is None or any(
            address in network or carried in network for network in self.allowed
        )

    def refusal(self, address: IPAddress, host: str | None = None) -> str | None:
        """Why a connection to ``address`` (which ``host`` resolved to) is refused, or None."""
        if self.permits(address):
            return None
        kind = internal_kind(address)
        what = f"{host} resolves to {address}, {kind}" if host else f"{address} is {kind}"
        return (
            f'refused: {what}; to watch it anyway, add "{_carried(address)}" to {ALLOW_KEY} '
            "in the [monitor] table of the config"
        )

    def url_refusal(self, url: str) -> str | None:
        """Why ``url`` is refused by its text alone (an internal address, or localhost),
        or None; a host name is checked when it is resolved, at connect time."""
        import httpx  # loaded by the commands that fetch or add a watch, not the others

        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL:
            return None  # not ours to judge: the URL check says what is wrong with it
        return self.host_refusal(host)

    def host_refusal(self, host: str) -> str | None:
        """Why a URL's ``host`` is refused by its text alone, or None."""
        address = literal_address(host)
        if address is not None:
            return self.refusal(address)
        if _is_localhost(host):
            return self.refusal(ipaddress.IPv4Address("127.0.0.1"), host)
        return None


def parse_allowed(value: Any) -> tuple[IPNetwork, ...]:
    """The networks an ``allow_internal`` value allows: ``true`` (every address), ``false``
    (none) or a list of addresses and networks ("10.0.0.0/8"). Raises ValueError."""
    if value is True:
        return EVERY_ADDRESS
    if value is False:
        return ()
    hint = (
        'must be true, false, or a list of addresses and networks, e.g. ["127.0.0.1", '
        '"10.1.0.0/16"]'
    )
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(hint)
    networks = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(hint)
        try:
            networks.append(ipaddress.ip_network(item.strip()))
        except ValueError as error:
            raise ValueError(f"{item!r} is not an address or a network ({error}); {hint}") from None
    return tuple(networks)
