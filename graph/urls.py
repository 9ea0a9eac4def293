"""URLs safe to show: the one redaction used wherever a URL is logged, printed, stored or
reported, and the helpers that keep credentials out of error texts."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["redact_url", "redact_text", "without_userinfo"]


def _host_port(netloc: str) -> str:
    """``host[:port]`` of a network location, without any ``user:password@`` part; a port
    that is not a number is dropped with the credentials (it may be a password)."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):  # [v6-address]:port
        address, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return f"[{address}]" + (f":{port}" if port.isdigit() else "")
    host, _, port = hostport.partition(":")
    return host + (f":{port}" if port.isdigit() else "")


def redact_url(url: str, *, keep_path: bool = True) -> str:
    """``url`` without user, password, query string and fragment (shown as ``…``); without
    the path too unless ``keep_path`` (a webhook's path is its secret).  Text that is not a
    URL with a scheme and a host (a local path) is returned unchanged.

    >>> redact_url("http://u:secret@127.0.0.1/ok.json?token=abc")
    'http://127.0.0.1/ok.json?…'
    >>> redact_url("https://hooks.example.org/T000/secret", keep_path=False)
    'https://hooks.example.org/…'
    """
    parts = urlsplit(url)
    if not parts.scheme or "://" not in url:
        return url
    path = parts.path if keep_path else ("/…" if parts.path.strip("/") else "")
    hidden = "…" if parts.query else ""
    return urlunsplit((parts.scheme, _host_port(parts.netloc), path, hidden,
                       "…" if parts.fragment else ""))


def without_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@`` part, and the user and password it held
    (percent-decoded), for clients that take credentials apart from the address."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    netloc = parts.netloc.rpartition("@")[2]
    return (urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)),
            unquote(parts.username or ""), unquote(parts.password or ""))


_USERINFO = re.compile(r"(?<=://)[^\s/@]+@")


def redact_text(text: str, *urls: str, keep_path: bool = True) -> str:
    """``text`` (an error message, say) with every secret part of ``urls`` — the URL itself,
    its user information, password and query string — replaced by its redacted form
    (``keep_path`` as for :func:`redact_url`), and the ``user:password@`` part of any other
    URL in it dropped.

    >>> redact_text("GET http://u:pw@example.org/x failed")
    'GET http://example.org/x failed'
    """
    for url in urls:
        if not url:
            continue
        parts = urlsplit(url)
        secrets = [url, parts.netloc.rpartition("@")[0] if "@" in parts.netloc else "",
                   parts.password or "", parts.query, parts.fragment,
                   "" if keep_path else parts.path.strip("/")]
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            shown = redact_url(url, keep_path=keep_path) if secret == url else "…"
            text = text.replace(secret, shown)
    return _USERINFO.sub("", text)
