"""HTTP requests for jobs, with a deadline for the whole exchange and credentials kept out of
the address.

``urllib``'s timeout bounds each socket operation, so a server that sends a byte every few
seconds keeps a download alive for ever.  Here a timer shuts the request's sockets down when
the deadline passes, whatever they are waiting for (connecting, the status line, the body).
Credentials written into a URL (``https://user:password@host/…``) are sent as an
``Authorization: Basic`` header, never as part of the address, so no error text can carry them
(and they are not forwarded on a redirect).
"""

from __future__ import annotations

import base64
import http.client
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graph.urls import without_userinfo

__all__ = ["DeadlinePassed", "open_url"]


class DeadlinePassed(Exception):
    """The exchange did not finish within its deadline."""


class _Deadline:
    """Shuts down every socket it watches once ``seconds`` have passed."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(base: type[http.client.HTTPConnection],
             deadline: _Deadline) -> type[http.client.HTTPConnection]:
    class Connection(base):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    return Connection


class _Plain(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _Secure(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_watched(http.client.HTTPSConnection, self._deadline), req,
                            context=self._context)  # type: ignore[attr-defined]


@contextmanager
def open_url(url: str, timeout: float, *, headers: dict[str, str] | None = None,
             data: bytes | None = None, method: str | None = None) -> Iterator[Any]:
    """Open ``url``; the response, read inside the ``with`` block, must be complete within
    ``timeout`` seconds of the call, else :class:`DeadlinePassed` is raised."""
    address, user, password = without_userinfo(url)
    request = urllib.request.Request(address, data=data, method=method,
                                     headers={"User-Agent": "chokepoint-jobs", **(headers or {})})
    if user is not None:
        token = f"{user}:{password or ''}".encode()
        request.add_unredirected_header("Authorization",
                                        "Basic " + base64.b64encode(token).decode())
    with _Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(_Plain(deadline), _Secure(deadline))
        try:
            with opener.open(request, timeout=timeout) as response:
                yield response
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired:
                raise DeadlinePassed(f"no complete answer within the timeout of {timeout:g} s"
                                     ) from exc
            raise
        if deadline.expired:  # a body cut short by the shutdown can look like its end
            raise DeadlinePassed(f"no complete answer within the timeout of {timeout:g} s")
