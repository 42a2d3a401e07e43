"""A small threaded HTTPS server with a route table, the base of every fake."""

import json
import logging
import re
import socket
import ssl
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .tls import ensure_certificates

__all__ = ["FakeServer", "Headers", "Request", "Response"]

logger = logging.getLogger(__name__)


class Headers(dict):
    """Request headers by case-insensitive name (the first of repeated ones), like email.message.Message."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name):
        return super().get(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())


class Request:
    """One request as a view sees it: method, path, query (last value wins), raw_query, headers, body."""

    def __init__(self, handler, body):
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.raw_query = parts.query
        self.query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.body = body

    def form(self):
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    def json(self):
        return json.loads(self.body or b"null")


class Response:
    """A status, a body (dict/list are sent as JSON) and headers; `reset` drops the connection instead."""

    reset = False

    def __init__(self, status=200, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.status, self.body = status, body
        self.headers = {"Content-Type": content_type, **(headers or {})}


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, context):
        self.context = context
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        # The handshake runs in the connection's thread, so a slow or silent client does not
        # hold up the accept loop.
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            request.close()
            return
        try:
            super().finish_request(request, client_address)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class FakeServer:
    """Serve `routes` [(method, path regex, callable(request, **groups) -> Response)] over HTTPS."""

    def __init__(self, routes, tls_dir, host="127.0.0.1", port=0):
        self.routes = [(method, re.compile(pattern + r"\Z"), view) for method, pattern, view in routes]
        self.ca_path, cert, key = ensure_certificates(tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd = _TLSServer((host, port), self._handler_class(), context)
        self.url = f"https://{host}:{self.httpd.server_address[1]}"
        self.thread = None

    def dispatch(self, request):
        for method, pattern, view in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                return view(request, **match.groupdict())
        return Response(404, {"error": {"code": "NotFound", "message": f"No route for {request.path}"}})

    def _handler_class(server):  # noqa: N805  (the handler closes over the server)
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def parse_request(self):
                # The standard parser reads headers through the email package, which costs more
                # than the rest of a request; this reads the plain HTTP/1.x the clients send.
                words = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n").split()
                if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
                    return super().parse_request()
                self.requestline = " ".join(words)
                self.command, self.path, self.request_version = words
                headers = Headers()
                while True:
                    line = self.rfile.readline(65537)
                    if line in (b"\r\n", b"\n", b""):
                        break
                    if len(line) > 65536 or len(headers) > 100:
                        self.send_error(431, "Request header fields too large")
                        return False
                    name, _, value = line.decode("iso-8859-1").partition(":")
                    headers.setdefault(name.strip().lower(), value.strip())
                self.headers = headers
                connection = headers.get("connection", "").lower()
                self.close_connection = connection == "close" or (
                    self.request_version == "HTTP/1.0" and connection != "keep-alive")
                return True

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self, self.rfile.read(length))
                try:
                    response = server.dispatch(request)
                except Exception:
                    logger.exception("the fake failed on %s %s", request.method, request.path)
                    response = Response(500, {"error": {"code": "InternalServerError",
                                                        "message": "The fake raised an exception."}})
                if response.reset:
                    self._reset()
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                # Headers and body in one write: two small writes meet Nagle and delayed ACKs.
                self._headers_buffer.append(b"\r\n")
                self.wfile.write(b"".join(self._headers_buffer) + response.body)
                self._headers_buffer = []

            def _reset(self):
                self.close_connection = True
                # Linger 0: closing sends a TCP RST, with no TLS close_notify before it.
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format, *args):
                pass

        return Handler

    def start(self):
        # A short poll interval makes stop() quick; the idle cost is a few wake-ups a second.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread = None
        self.httpd.server_close()
