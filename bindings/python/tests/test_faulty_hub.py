"""Answers a real hub does not give: a fake HTTPS peer with the fixture's
hub certificate answers each request with one prepared response, so the
client's handling of server failures and protocol violations is observable
from Python (ServerError, ProtocolError, MissingContext from the hub)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import fldm
from fldm.testing import FldmHub

CASE = "WA-2026-0815"
PROBLEM = "application/problem+json"


def problem(code: str, status: int, **extra: str) -> bytes:
    body = {
        "type": f"urn:fldm:problem:{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": f"synthetic {code} answer",
        "request_id": "fake-peer-1",
        **extra,
    }
    return json.dumps(body).encode()


class FakeHub:
    """Serves ``responses`` in turn (the last one repeats) and records the
    request paths and headers it saw."""

    def __init__(self, responses: list[tuple[int, str, bytes]]) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[str, dict[str, str]]] = []


@contextmanager
def fake_hub(pki: Path, responses: list[tuple[int, str, bytes]]) -> Iterator[tuple[str, FakeHub]]:
    state = FakeHub(responses)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            self.answer()

        do_PUT = do_POST

        def answer(self) -> None:
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            i = min(len(state.requests), len(state.responses)) - 1
            status, ctype, body = state.responses[i]
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki / "hub.pem", pki / "hub-key.pem")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"https://127.0.0.1:{srv.server_address[1]}", state
    finally:
        srv.shutdown()
        srv.server_close()


def client(hub: FldmHub, url: str, **kw: object) -> fldm.HubClient:
    d = hub.dir
    if "journal_dir" not in kw:
        kw["no_journal"] = True
    return fldm.HubClient(url, ca=d / "ca.pem", cert=d / "wohnungsamt.pem", key=d / "wohnungsamt-key.pem",
                          user="wa-test", **kw)  # type: ignore[arg-type]


def test_internal_error_is_a_server_error(fldm_hub: FldmHub):
    with fake_hub(fldm_hub.dir, [(500, PROBLEM, problem("internal", 500))]) as (url, peer):
        with pytest.raises(fldm.ServerError) as ei:
            client(fldm_hub, url).get_person("P000000001", purpose="W01", case=CASE)
    e = ei.value
    assert e.code == "server" and e.status == 500 and e.reason == "internal"
    assert e.request_id == "fake-peer-1"
    # A 500 is not retried: the request could have had effects.
    assert len(peer.requests) == 1
    path, headers = peer.requests[0]
    assert path == "/v1/persons/P000000001"
    assert headers["fldm-purpose"] == "W01" and headers["fldm-case"] == CASE


def test_audit_unavailable_is_a_server_error_with_its_reason(fldm_hub: FldmHub):
    """The hub refuses to disclose when it cannot write its journal."""
    with fake_hub(fldm_hub.dir, [(503, PROBLEM, problem("audit_unavailable", 503))]) as (url, _):
        with pytest.raises(fldm.ServerError) as ei:
            client(fldm_hub, url, retries=1).get_person("P000000001", purpose="W01", case=CASE)
    assert ei.value.status == 503 and ei.value.reason == "audit_unavailable"


def test_gateway_errors_are_retried_then_reported(fldm_hub: FldmHub):
    html = b"<html><body>Bad Gateway</body></html>"
    with fake_hub(fldm_hub.dir, [(502, "text/html", html)]) as (url, peer):
        with pytest.raises(fldm.ServerError) as ei:
            client(fldm_hub, url, retries=3).get_person("P000000001", purpose="W01", case=CASE)
    assert ei.value.status == 502 and ei.value.reason == "http"
    assert len(peer.requests) == 3
    # Every attempt carries the same request id, so the hub's journal can
    # tell a retry from a second access.
    ids = {h["fldm-request-id"] for _, h in peer.requests}
    assert len(ids) == 1 and ei.value.request_id in ids


def test_unreadable_success_body_is_a_protocol_error(fldm_hub: FldmHub, tmp_path: Path):
    with fake_hub(fldm_hub.dir, [(200, "application/json", b"{\"record\": 17")]) as (url, _):
        c = client(fldm_hub, url, office="wohnungsamt", journal_dir=tmp_path / "j")
        with pytest.raises(fldm.ProtocolError) as ei:
            c.get_person("P000000001", purpose="W01", case=CASE)
        assert ei.value.code == "protocol"
        # The attempt is in the client journal (outcome error), nothing else.
        assert c.journal_len() == 1


def test_success_with_a_foreign_shape_is_a_protocol_error(fldm_hub: FldmHub):
    body = json.dumps({"request_id": "x", "decision": {}, "record": {"fldm_id": "not-an-id"}}).encode()
    with fake_hub(fldm_hub.dir, [(200, "application/json", body)]) as (url, _):
        with pytest.raises(fldm.ProtocolError):
            client(fldm_hub, url).get_person("P000000001", purpose="W01", case=CASE)


def test_unreadable_problem_is_a_protocol_error(fldm_hub: FldmHub):
    with fake_hub(fldm_hub.dir, [(400, PROBLEM, b"<problem/>")]) as (url, _):
        with pytest.raises(fldm.ProtocolError):
            client(fldm_hub, url).get_person("P000000001", purpose="W01", case=CASE)


@pytest.mark.parametrize(
    "code, field",
    [("missing_purpose", "purpose"), ("missing_user", "user"), ("idempotency_key_required", "idempotency_key")],
)
def test_missing_context_from_the_hub_names_the_field(fldm_hub: FldmHub, code: str, field: str):
    with fake_hub(fldm_hub.dir, [(400, PROBLEM, problem(code, 400))]) as (url, _):
        with pytest.raises(fldm.MissingContext) as ei:
            client(fldm_hub, url).get_person("P000000001", purpose="W01", case=CASE)
    assert ei.value.reason == code and ei.value.field == field
    assert ei.value.request_id == "fake-peer-1"


def test_the_fake_peer_is_trusted_only_through_the_ca(fldm_hub: FldmHub, tmp_path: Path):
    """The fake peer uses the fixture's hub certificate; the same peer with a
    certificate from another CA is a TLS error, so the tests above really
    talk TLS to a verified peer."""
    import subprocess

    other = tmp_path / "other"
    subprocess.run([str(fldm_hub.binary), "init-pki", str(other), "--policy", str(fldm_hub.policy_path),
                    "--listen", "127.0.0.1:1"], check=True, capture_output=True)
    with fake_hub(other, [(200, "application/json", b"{}")]) as (url, peer):
        with pytest.raises(fldm.TlsError):
            client(fldm_hub, url, retries=1).get_person("P000000001", purpose="W01", case=CASE)
    assert peer.requests == []


def test_a_page_longer_than_asked_for_is_a_protocol_error(fldm_hub: FldmHub):
    """A real change-feed page of three entries, served for a request of
    at most two: the client refuses it rather than passing on (and
    journaling) more than it asked for."""
    d = fldm_hub.dir
    abh = fldm_hub.client("auslaenderbehoerde")
    page = abh._native.changes_page(0, 3, "70", "ABH-2026-0001")
    assert len(page["changes"]) == 3
    page["has_more"] = False
    body = json.dumps(page).encode()
    with fake_hub(d, [(200, "application/json", body)]) as (url, _):
        c = fldm.HubClient(url, ca=d / "ca.pem", cert=d / "auslaenderbehoerde.pem",
                           key=d / "auslaenderbehoerde-key.pem", user="abh-test", no_journal=True)
        # The same body is a valid answer to a request for three.
        assert len(list(c.changes(purpose="70", case="ABH-2026-0001", page_size=3))) == 3
        with pytest.raises(fldm.ProtocolError) as ei:
            next(c.changes(purpose="70", case="ABH-2026-0001", page_size=2))
    assert "at most 2" in str(ei.value)
