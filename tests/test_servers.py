"""The local test servers behave like the real services the monitor talks to."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import apprise
import httpx
import pytest
from servers import PageServer, SlackReceiver, SMTPServer


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An HTTP client that ignores proxy settings from the environment."""
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        yield client


def test_page_server_serves_set_pages_and_404s_the_rest(
    page_server: PageServer, client: httpx.Client
) -> None:
    """A set page is served with its content type; an unknown path answers 404."""
    page_server.set("/story", "<p>Hello</p>")
    page = client.get(page_server.url("/story"))
    assert (page.status_code, page.text) == (200, "<p>Hello</p>")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get(page_server.url("/missing")).status_code == 404


def test_page_server_records_requests(page_server: PageServer, client: httpx.Client) -> None:
    """Each request is recorded with its method, path and lower-cased headers."""
    page_server.set("/story", "x")
    client.get(page_server.url("/story?utm=1"), headers={"User-Agent": "probe"})
    [seen] = page_server.requests
    assert (seen.method, seen.path, seen.headers["user-agent"]) == ("GET", "/story?utm=1", "probe")


def test_page_server_answers_304_to_a_matching_etag(
    page_server: PageServer, client: httpx.Client
) -> None:
    """If-None-Match with the current ETag gets 304; after an edit it gets the new page."""
    page_server.set("/story", "v1")
    etag = client.get(page_server.url("/story")).headers["etag"]
    assert etag.startswith('"')
    again = client.get(page_server.url("/story"), headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    page_server.set("/story", "v2")
    edited = client.get(page_server.url("/story"), headers={"If-None-Match": etag})
    assert (edited.status_code, edited.text) == (200, "v2")
    assert edited.headers["etag"] != etag


def test_page_server_answers_304_when_not_modified_since(
    page_server: PageServer, client: httpx.Client
) -> None:
    """If-Modified-Since at the Last-Modified gets 304; an edit moves Last-Modified on."""
    page_server.set("/story", "v1")
    stamp = client.get(page_server.url("/story")).headers["last-modified"]
    since = {"If-Modified-Since": stamp}
    assert client.get(page_server.url("/story"), headers=since).status_code == 304
    page_server.set("/story", "v1")
    assert client.get(page_server.url("/story"), headers=since).status_code == 304
    page_server.set("/story", "v2")
    edited = client.get(page_server.url("/story"), headers=since)
    assert edited.status_code == 200
    assert edited.headers["last-modified"] != stamp


def test_page_server_without_validators_never_answers_304(
    page_server: PageServer, client: httpx.Client
) -> None:
    """A page set with conditional=False has no ETag or Last-Modified and ignores both checks."""
    page_server.set("/story", "v1", conditional=False)
    page = client.get(page_server.url("/story"), headers={"If-None-Match": "*"})
    assert page.status_code == 200
    assert "etag" not in page.headers
    assert "last-modified" not in page.headers


def test_page_server_redirects(page_server: PageServer, client: httpx.Client) -> None:
    """A redirect answers with its status and Location, which a client can follow."""
    page_server.set("/new", "moved here")
    page_server.redirect("/old", "/new", status=308)
    first = client.get(page_server.url("/old"))
    assert (first.status_code, first.headers["location"]) == (308, "/new")
    followed = client.get(page_server.url("/old"), follow_redirects=True)
    assert (followed.text, str(followed.url)) == ("moved here", page_server.url("/new"))


def test_page_server_holds_a_request_until_released(
    page_server: PageServer, client: httpx.Client
) -> None:
    """A held path answers only once the test sets the event it was given."""
    page_server.set("/slow", "at last")
    release = page_server.hold("/slow")
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(client.get, page_server.url("/slow"))
        page_server.wait_for(1, "/slow")
        assert not pending.done()
        release.set()
        assert pending.result(timeout=5).text == "at last"


def test_page_server_hold_makes_a_client_time_out(page_server: PageServer) -> None:
    """A client with a short read timeout gives up on a held page, before or after headers."""
    page_server.set("/slow", "never seen")
    page_server.hold("/slow")
    with httpx.Client(trust_env=False, timeout=0.2) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get(page_server.url("/slow"))
    page_server.set("/slower", "never seen either")
    page_server.hold("/slower", stage="body")
    # The headers are waited for as long as a loaded machine needs (a short timeout there
    # failed when the server's thread was slow to run); only the body is held.
    with socket.create_connection(("127.0.0.1", page_server.port), timeout=30) as raw:
        raw.sendall(b"GET /slower HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = raw.recv(4096)
            assert chunk, "the server closed before its headers"
            received += chunk
        head, body = received.split(b"\r\n\r\n", 1)
        assert head.split()[1] == b"200" and body == b""
        raw.settimeout(0.2)
        with pytest.raises(TimeoutError):
            raw.recv(4096)


@pytest.mark.parametrize("declare_length", [True, False])
def test_page_server_streams_large_bodies(
    page_server: PageServer, client: httpx.Client, declare_length: bool
) -> None:
    """A large page delivers exactly the bytes asked for, with or without Content-Length."""
    size = 3 * 64 * 1024 + 5
    page_server.set_large("/huge", size, declare_length=declare_length)
    with client.stream("GET", page_server.url("/huge")) as response:
        assert ("content-length" in response.headers) is declare_length
        assert sum(len(chunk) for chunk in response.iter_raw()) == size


def test_apprise_mailto_url_delivers_html_email(smtp_server: SMTPServer) -> None:
    """Apprise's mailto URL reaches the SMTP server with a text/plain and a text/html part."""
    notifier = apprise.Apprise()
    assert notifier.add(smtp_server.apprise_url(to="desk@example.org"))
    assert notifier.notify(
        title="Edited: Turkey to send home experts",
        body="<p>Added: <b>The Kremlin confirmed</b></p>",
        body_format=apprise.NotifyFormat.HTML,
    )
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Edited: Turkey to send home experts"
    assert (message["From"].addresses[0].addr_spec, message["To"]) == (
        "monitor@example.org",
        "desk@example.org",
    )
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert "The Kremlin confirmed" in plain.get_content()
    assert "<b>The Kremlin confirmed</b>" in html.get_content()


def test_apprise_slack_url_posts_to_the_receiver(slack_receiver: SlackReceiver) -> None:
    """Apprise's slack:// URL posts a JSON payload with the title and body to the receiver."""
    notifier = apprise.Apprise()
    assert notifier.add(slack_receiver.apprise_url)
    assert notifier.notify(title="Edited", body="The Kremlin confirmed")
    [payload] = slack_receiver.wait_for_payloads(1)
    [attachment] = payload["attachments"]
    assert (attachment["title"], attachment["text"]) == ("Edited", "The Kremlin confirmed")
    assert slack_receiver.posts[0].path == "/services/" + SlackReceiver.token


def test_failing_slack_receiver_makes_apprise_report_failure(
    slack_receiver: SlackReceiver,
) -> None:
    """A receiver set to fail answers 500, and Apprise reports the delivery as failed."""
    slack_receiver.fail = True
    notifier = apprise.Apprise()
    notifier.add(slack_receiver.apprise_url)
    assert not notifier.notify(title="Edited", body="The Kremlin confirmed")
    assert len(slack_receiver.wait_for(1)) == 1
