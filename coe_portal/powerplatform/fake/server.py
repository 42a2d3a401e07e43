"""A small threaded HTTPS server with a route table, the base of every fake."""

import json
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .tls import ensure_certificates

__all__ = ["FakeServer", "Request", "Response"]


class Request:
    def __init__(self, handler, body):
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.body = body

    def form(self):
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    def json(self):
        return json.loads(self.body or b"null")


class Response:
    def __init__(self, status=200, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.status, self.body = status, body
        self.headers = {"Content-Type": content_type, **(headers or {})}


class FakeServer:
    """Serve `routes` [(method, path regex, callable(request, **groups) -> Response)] over HTTPS."""

    def __init__(self, routes, tls_dir, host="127.0.0.1", port=0):
        self.routes = [(method, re.compile(pattern + r"\Z"), view) for method, pattern, view in routes]
        self.ca_path, cert, key = ensure_certificates(tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
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

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                response = server.dispatch(Request(self, self.rfile.read(length)))
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format, *args):
                pass

        return Handler

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
