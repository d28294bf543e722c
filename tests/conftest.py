"""Shared fixtures: real local servers for HTTP pages, SMTP and the Slack webhook."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator

import pytest
from apprise.plugins.slack import NotifySlack
from servers import PageServer, SlackReceiver, SMTPServer

# Apprise's email plugin imports imghdr (for PGPy), deprecated since Python 3.11: under
# warnings-as-errors the first test that loads apprise's plugins would fail. Importing it
# once here, quietly, keeps every other warning an error.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    importlib.import_module("imghdr")


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    """A web server on 127.0.0.1 serving whatever pages the test sets."""
    with PageServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """An SMTP server on 127.0.0.1 collecting every message it is sent."""
    with SMTPServer() as server:
        yield server


@pytest.fixture
def slack_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackReceiver]:
    """A Slack webhook on 127.0.0.1; Apprise's slack:// URLs post to it for this test."""
    with SlackReceiver() as receiver:
        # Apprise hard-codes the webhook host; this class attribute is the only way in.
        monkeypatch.setattr(NotifySlack, "webhook_url", receiver.webhook_url)
        yield receiver
