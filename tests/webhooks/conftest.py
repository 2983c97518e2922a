"""A real HTTP receiver on 127.0.0.1 (``http.server`` in a thread), and subscriptions to it."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import RoleFactory, TeamFactory
from webhooks import services


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers every POST with ``status``; with ``hang`` set, answers nothing until released."""

    url: str
    status: int = 200
    hang: bool = False
    requests: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if state.hang:
                state.released.wait(30)
                return
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/cxalign"
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def billing_role(db):
    return RoleFactory(name="Billing Operations Manager", team=TeamFactory(name="Billing"))


@pytest.fixture
def subscribe(cx_user, receiver):
    """``subscribe(events, **fields)``: a subscription of the CX team to the receiver."""

    def _subscribe(events=("gap.created",), **fields):
        fields.setdefault("url", receiver.url)
        return services.subscription_create(actor=cx_user, events=list(events), **fields)

    return _subscribe


@pytest.fixture
def log_gap(cx_user, billing_role, django_capture_on_commit_callbacks):
    """``log_gap(**fields)``: a gap through ``gap_create``, its commit hooks run (outbox,
    fan-out and first delivery attempts, eagerly)."""
    from gaps import services as gap_services

    def _log(**fields):
        fields.setdefault("title", "Invoices arrive in three parts")
        fields.setdefault("expectation", "One invoice a month")
        fields.setdefault("delivery", "Three partial invoices")
        fields.setdefault("category", "process")
        fields.setdefault("causing_role", billing_role)
        fields.setdefault("severity", 4)
        with django_capture_on_commit_callbacks(execute=True):
            return gap_services.gap_create(actor=cx_user, **fields)

    return _log
