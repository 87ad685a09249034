"""``newscrawl serve``: the web view on a socket, served by uvicorn."""

from __future__ import annotations

import ipaddress
import socket
import sys

from newscrawl.store.db import mask_url
from newscrawl.web.app import LOOPBACK_NAMES, create_app
from newscrawl.web.database import ViewError, open_read_only

#: Loopback only unless told otherwise: the view shows the whole store to whoever reaches it.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Connections the kernel queues while every worker is busy (uvicorn's own default).
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: any free port), or a ViewError saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise ViewError(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listening before the server starts: a client that connects as soon as the address is
        # announced waits in the backlog instead of being refused.
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ViewError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                        f"{' (another server has it? try --port)' if exc.errno == 98 else ''}") from None
    return sock


def serve(url: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, announce=None) -> None:
    """Serve the web view of the database ``url`` (read-only) until interrupted."""
    import uvicorn

    engine = open_read_only(url)
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"newscrawl: serving {mask_url(url)} read-only at http://{shown}:{bound_port}/ (Ctrl-C stops)",
          file=announce or sys.stdout, flush=True)
    loopback = ipaddress.ip_address(bound_host).is_loopback
    app = create_app(engine, allowed_hosts=LOOPBACK_NAMES if loopback else None)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        engine.dispose()


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "listening_socket", "serve"]
