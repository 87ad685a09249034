"""A TCP proxy that tests stop and start, to play a database outage without stopping the server.

The machine's PostgreSQL is shared; a test must not stop it. Pointing the crawler at
:class:`TcpProxy` instead (``postgresql+psycopg://...@127.0.0.1:<proxy port>/test``) and calling
:meth:`TcpProxy.stop` looks, to the crawler, exactly like a server that went away: established
connections are cut (both directions closed) and new ones refused, since nothing listens on the
port any more. :meth:`TcpProxy.start` listens again on the *same* port, like a restarted server.

:meth:`TcpProxy.blackhole` plays the other kind of outage, a network cut without a reset (a
partition, a frozen host): connections stay open and new ones are accepted, but no byte goes
through in either direction, so a client waits for an answer that never comes.
:meth:`TcpProxy.forward` heals the cut: what was held is delivered, as TCP would retransmit it.
"""

from __future__ import annotations

import socket
import threading

__all__ = ["TcpProxy"]


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``target`` (host, port) until stopped."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.port = port
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self.connections = 0  # accepted since creation

    def blackhole(self) -> None:
        """Keep every connection open and accept new ones, but pass no byte on (module docstring)."""
        self._flowing.clear()

    def forward(self) -> None:
        """Pass bytes on again, those held during :meth:`blackhole` first."""
        self._flowing.set()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="tcpproxy-accept").start()
        return self

    def stop(self) -> None:
        """Refuse new connections and cut the established ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
                self.connections += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True,
                                 name="tcpproxy-pipe").start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                # Blackholed: hold the bytes; a stopped proxy closes the socket, ending the wait.
                while not self._flowing.wait(0.2):
                    if source.fileno() == -1:
                        return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
            source.close()
