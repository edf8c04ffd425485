"""Stripe's API as a tiny real server on 127.0.0.1, for the tests of what only a real socket
shows: the client's timeouts, its base address, and the production checks that ask Stripe.

    with LocalStripe({"/v1/account": (200, {...})}) as api:    # http://127.0.0.1:<port>
        settings.STRIPE_API_BASE = api.base
    with LocalStripe(routes, tls=True) as api:                 # https, a self-signed
        stripe.ca_bundle_path = api.ca_file                    # certificate to trust
    with LocalStripe(routes, delay=5) as api: ...              # answers after 5 s (or at exit)

Each answer is chosen by the request's path (the longest listed prefix); a path not listed is
Stripe's 404. ``api.requests`` lists what arrived (method, path, headers).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_FOUND = (
    404,
    {"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such"}},
)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own authority, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(tz=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class LocalStripe:
    def __init__(
        self,
        routes: dict[str, tuple[int, dict]],
        *,
        delay: float = 0.0,
        tls: bool = False,
    ):
        self.routes = routes
        self.delay = delay
        self.tls = tls
        self.requests: list[dict] = []
        self.ca_file = ""
        self._release = threading.Event()
        self._directory: Path | None = None

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def _answer(self, path: str) -> tuple[int, dict]:
        found = [prefix for prefix in self.routes if path.startswith(prefix)]
        return self.routes[max(found, key=len)] if found else NOT_FOUND

    def __enter__(self) -> LocalStripe:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self) -> None:
                path = urlsplit(self.path).path
                api.requests.append(
                    {"method": self.command, "path": path, "headers": dict(self.headers)}
                )
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if api.delay:
                    api._release.wait(api.delay)
                status, body = api._answer(path)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_local_{len(api.requests)}")
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (a timeout under test)

            do_GET = do_POST = do_DELETE = _reply

            def log_message(self, format, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that went away mid-answer is what a timeout test does

        self._server = Server(("127.0.0.1", 0), Handler)
        if self.tls:
            self._directory = Path(tempfile.mkdtemp(prefix="local-stripe-"))
            cert_file, key_file = _self_signed(self._directory)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_file, key_file)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.ca_file = str(cert_file)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
