"""Which addresses may be fetched: public ones, and the networks allow_internal names."""

from __future__ import annotations

import ipaddress

import pytest

from monitor.addresses import (
    EVERY_ADDRESS,
    AddressPolicy,
    internal_kind,
    literal_address,
    parse_allowed,
)

DEFAULT = AddressPolicy()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.255.254", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("100.64.0.1", "not a public address"),
        ("100.127.255.254", "not a public address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("64:ff9b::10.0.0.1", "a private address"),
    ],
)
def test_each_internal_range_is_named(address: str, kind: str) -> None:
    """Loopback, private, link-local, unspecified, multicast, reserved and CGNAT addresses,
    IPv4 and IPv6, and IPv4 ones inside IPv6, are internal, each said in words."""
    assert internal_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["240.0.0.1", "255.255.255.255", "192.0.2.1", "2001:db8::1"])
def test_reserved_and_documentation_addresses_are_internal(address: str) -> None:
    """Ranges the registries reserve (Python names some of them private) are refused too."""
    assert internal_kind(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07::1", "64:ff9b::8.8.8.8"]
)
def test_public_addresses_are_not_internal(address: str) -> None:
    """A public address, and a DNS64 address carrying one, may be fetched."""
    assert internal_kind(ipaddress.ip_address(address)) is None
    assert DEFAULT.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
    ],
)
def test_odd_spellings_of_an_address_are_read_as_the_os_would(host: str, address: str) -> None:
    """Shorthand, hexadecimal, octal and integer IPv4, and bracketed IPv6, are addresses."""
    assert literal_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.org", "news.example", "localhost", "", "1.2.3.x"])
def test_a_name_is_no_literal_address(host: str) -> None:
    """A host name is left to the resolver."""
    assert literal_address(host) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/admin",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://127.1/",
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "https://LOCALHOST./",
        "http://app.localhost:3000/",
    ],
)
def test_a_url_on_an_internal_address_is_refused_by_its_text(url: str) -> None:
    """Internal addresses in any spelling, and localhost names, are refused without DNS."""
    refusal = DEFAULT.url_refusal(url)
    assert refusal is not None
    assert refusal.startswith("refused: ")
    assert "allow_internal in the [monitor] table of the config" in refusal


def test_the_refusal_names_the_address_and_what_to_write() -> None:
    """The message says which address, what kind, and the exact value to allow."""
    assert DEFAULT.url_refusal("http://10.0.0.1/") == (
        'refused: 10.0.0.1 is a private address; to watch it anyway, add "10.0.0.1" to '
        "allow_internal in the [monitor] table of the config"
    )


def test_a_refused_name_says_what_it_resolved_to() -> None:
    """A name's refusal names the name and the address it led to."""
    refusal = DEFAULT.refusal(ipaddress.ip_address("192.168.0.7"), "intranet.example")
    assert refusal is not None
    assert refusal.startswith("refused: intranet.example resolves to 192.168.0.7, a private")


def test_a_url_with_a_public_name_is_left_to_connect_time() -> None:
    """A host name is not judged by its text: what it resolves to is checked when fetched."""
    assert DEFAULT.url_refusal("https://example.org/news/story") is None


def test_an_allowed_network_lets_its_addresses_through() -> None:
    """Addresses inside an allowed network pass; the rest of the internal ones do not."""
    policy = AddressPolicy(parse_allowed(["10.1.0.0/16", "127.0.0.1"]))
    assert policy.url_refusal("http://10.1.2.3/") is None
    assert policy.url_refusal("http://127.0.0.1:8080/") is None
    assert policy.url_refusal("http://localhost:8080/") is None
    assert policy.url_refusal("http://10.2.0.1/") is not None
    assert policy.url_refusal("http://127.0.0.2/") is not None
    assert policy.url_refusal("http://[::1]/") is not None


def test_an_allowed_ipv4_network_covers_its_ipv4_mapped_spelling() -> None:
    """::ffff:127.0.0.1 is 127.0.0.1: allowing one allows the other."""
    policy = AddressPolicy(parse_allowed(["127.0.0.1"]))
    assert policy.url_refusal("http://[::ffff:127.0.0.1]/") is None


def test_allow_internal_true_allows_every_address() -> None:
    """true allows every network; false and an empty list allow none."""
    assert parse_allowed(True) == EVERY_ADDRESS
    assert AddressPolicy(parse_allowed(True)).url_refusal("http://169.254.169.254/") is None
    assert parse_allowed(False) == ()
    assert parse_allowed([]) == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1", "must be true, false, or a list"),
        (["10.0.0.0/33"], "'10.0.0.0/33' is not an address or a network"),
        (["10.0.0.1/8"], "has host bits set"),
        ([8080], "must be true, false, or a list"),
    ],
)
def test_an_invalid_allow_list_says_what_to_write(value: object, message: str) -> None:
    """A value that is no list of networks is a ValueError saying the accepted forms."""
    with pytest.raises(ValueError, match=message):
        parse_allowed(value)
