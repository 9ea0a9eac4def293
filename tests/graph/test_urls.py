"""The one URL redaction: whatever a URL holds, what is shown has no user, password, query
string or fragment, and credentials written into error texts are dropped too."""

from __future__ import annotations

import pytest

from graph.urls import redact_text, redact_url, without_userinfo

CASES = [
    ("http://u:PASSWORD@127.0.0.1/ok.json", "http://127.0.0.1/ok.json"),
    ("https://u:PASSWORD@example.org:8443/a.json", "https://example.org:8443/a.json"),
    ("https://PASSWORD@example.org/a.json", "https://example.org/a.json"),
    ("https://example.org/a.json?token=PASSWORD", "https://example.org/a.json?…"),
    ("https://example.org/a.json#PASSWORD", "https://example.org/a.json#…"),
    ("http://u:PASSWORD@[::1]:8080/x", "http://[::1]:8080/x"),
    ("http://u:PASSWORD@[::1]/x", "http://[::1]/x"),
    ("http://u:p@ss:PASSWORD@host/x", "http://host/x"),
    ("bolt://neo4j:PASSWORD@127.0.0.1:7687", "bolt://127.0.0.1:7687"),
    ("http://host:PASSWORD/x", "http://host/x"),  # not a port: may be a password
    ("/data/suppliers.json", "/data/suppliers.json"),
]


@pytest.mark.parametrize(("url", "shown"), CASES, ids=[c[0] for c in CASES])
def test_a_url_is_shown_without_its_secrets(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "PASSWORD" not in redact_url(url, keep_path=False)


def test_a_webhook_is_shown_without_its_path() -> None:
    assert redact_url("https://hooks.example.org/T0/PASSWORD", keep_path=False) == \
        "https://hooks.example.org/…"


def test_credentials_in_an_error_text_are_dropped() -> None:
    url = "http://u:PASSWORD@127.0.0.1/ok.json?key=PASSWORD2"
    text = f"nonnumeric port: 'PASSWORD@127.0.0.1'; fetching {url}; key=PASSWORD2"
    shown = redact_text(text, url)
    assert "PASSWORD" not in shown
    assert "http://127.0.0.1/ok.json?…" in shown
    assert redact_text("GET https://a:PASSWORD@x.org/y") == "GET https://x.org/y"


def test_credentials_come_apart_from_the_address() -> None:
    assert without_userinfo("https://u%40x:p%3Aw@host:1/a?b") == ("https://host:1/a?b", "u@x",
                                                                 "p:w")
    assert without_userinfo("https://host/a") == ("https://host/a", None, None)
