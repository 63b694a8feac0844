"""The hub client end to end against the `fldm_hub` fixture (a reference
hub on 127.0.0.1, started by the plugin in fldm.testing)."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

import fldm
from fldm.testing import FldmHub

CASE_W = "WA-2026-0815"
CASE_A = "ABH-2026-0001"


def test_get_person_discloses_what_the_policy_permits(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    pid = fldm_hub.fldm_ids[0]
    d = w.get_person(pid, purpose="W01", case=CASE_W)
    assert d["record"]["fldm_id"] == pid
    assert d["decision"]["rule_id"] == "wohnungsamt-identifikation"
    local = fldm_hub.policy().apply(
        fldm_hub.population()[0], office="wohnungsamt", purpose="W01", case=CASE_W
    )
    assert d["record"] == local


def test_search_returns_scored_candidates(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    p = fldm_hub.population()[5]
    g = p.to_dict()["grundpersonalien"]
    r = w.search(
        purpose="W01",
        case=CASE_W,
        familienname=g["familienname"] if isinstance(g["familienname"], str) else None,
        vornamen=g["vornamen"] if isinstance(g["vornamen"], str) else None,
        geburtsdatum=g.get("geburtsdatum"),
    )
    assert r["candidates"]
    best = r["candidates"][0]
    assert best["record"]["fldm_id"] == p.fldm_id
    scores = [c["score"] for c in r["candidates"]]
    assert scores == sorted(scores, reverse=True)


def test_update_address_and_change_feed(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    abh = fldm_hub.client("auslaenderbehoerde")
    before = list(abh.changes(purpose="70", case=CASE_A))
    pid = fldm_hub.fldm_ids[3]
    addr = {"strasse": "Neue Straße", "hausnummer": "7", "postleitzahl": "50667", "ort": "Köln",
            "einzugsdatum": "2026-06-01"}
    key = str(uuid.uuid4())
    w.update_address(pid, addr, purpose="W01", case=CASE_W, idempotency_key=key)
    # A retried write with the same key applies once.
    w.update_address(pid, addr, purpose="W01", case=CASE_W, idempotency_key=key)
    after = list(abh.changes(purpose="70", case=CASE_A))
    new = after[len(before):]
    assert [e["record"]["fldm_id"] for e in new] == [pid]
    assert new[0]["record"]["anschrift"]["aktuell"]["strasse"] == "Neue Straße"
    resumed = list(abh.changes(purpose="70", case=CASE_A, cursor=before[-1]["seq"] if before else 0, page_size=2))
    assert resumed[-1]["seq"] == after[-1]["seq"]
    got = w.get_person(pid, purpose="W01", case=CASE_W)
    assert got["record"]["anschrift"]["aktuell"]["hausnummer"] == "7"


def test_idempotency_key_reused_for_another_body_is_a_conflict(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    pid = fldm_hub.fldm_ids[4]
    key = str(uuid.uuid4())
    w.update_address(pid, {"postleitzahl": "50667", "ort": "Köln"}, purpose="W01", case=CASE_W, idempotency_key=key)
    with pytest.raises(fldm.Conflict) as ei:
        w.update_address(pid, {"postleitzahl": "50668", "ort": "Köln"}, purpose="W01", case=CASE_W, idempotency_key=key)
    assert ei.value.code == "conflict" and ei.value.request_id


def test_report_correction(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    pid = fldm_hub.fldm_ids[6]
    c = w.report_correction(pid, ["grundpersonalien.vornamen"], "spelling differs from the passport",
                            purpose="W01", case=CASE_W)
    assert c["fldm_id"] == pid and c["status"] == "open"


def test_owning_office_decides_corrections(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    abh = fldm_hub.client("auslaenderbehoerde")
    pid = fldm_hub.fldm_ids[7]
    c = w.report_correction(pid, ["grundpersonalien.geburtsname"], "differs from the lease",
                            purpose="W01", case=CASE_W)
    assert c["id"] in [x["id"] for x in abh.corrections(purpose="70", case=CASE_A, status="open")]
    d = abh.decide_correction(c["id"], "accepted", purpose="70", case=CASE_A, idempotency_key=str(uuid.uuid4()))
    assert (d["id"], d["status"], d["fldm_id"]) == (c["id"], "accepted", pid)
    assert c["id"] not in [x["id"] for x in abh.corrections(purpose="70", case=CASE_A, status="open")]
    assert c["id"] in [x["id"] for x in abh.corrections(purpose="70", case=CASE_A, status="accepted")]
    # Deciding the same way again is harmless; changing it is not allowed.
    assert abh.decide_correction(c["id"], "accepted", purpose="70", case=CASE_A)["status"] == "accepted"
    with pytest.raises(fldm.ValidationError) as vi:
        abh.decide_correction(c["id"], "rejected", purpose="70", case=CASE_A)
    assert vi.value.field == "status"
    # Only the owner decides.
    c2 = w.report_correction(pid, ["grundpersonalien.vornamen"], "second report", purpose="W01", case=CASE_W)
    with pytest.raises(fldm.PolicyDenied) as di:
        w.decide_correction(c2["id"], "rejected", purpose="W01", case=CASE_W)
    assert di.value.reason == "not_owner"
    with pytest.raises(fldm.NotFound):
        abh.decide_correction(10**9, "rejected", purpose="70", case=CASE_A)
    with pytest.raises(fldm.ValidationError) as vi:
        abh.decide_correction(c2["id"], "maybe", purpose="70", case=CASE_A)
    assert vi.value.field == "status"


def test_access_report_names_recipients_and_legal_basis(fldm_hub: FldmHub):
    pid = fldm_hub.fldm_ids[9]
    w = fldm_hub.client("wohnungsamt")
    w.get_person(pid, purpose="W01", case=CASE_W)
    ds = fldm_hub.client("datenschutz")
    r = ds.access_report(pid, purpose="D01", case="DS-2026-7")
    assert r["fldm_id"] == pid and r["examined"] >= len(r["entries"]) > 0
    reads = [e for e in r["entries"] if e["requesting_office"] == "wohnungsamt"]
    assert reads and reads[-1]["recipient"] == "wohnungsamt"
    assert reads[-1]["rule_id"] == "wohnungsamt-identifikation" and reads[-1]["legal_basis"]
    assert "grundpersonalien.familienname" in reads[-1]["disclosed_attributes"]
    with pytest.raises(fldm.PolicyDenied):
        w.access_report(pid, purpose="W01", case=CASE_W)
    with pytest.raises(fldm.ValidationError) as vi:
        ds.access_report("no such id", purpose="D01", case="DS-2026-7")
    assert vi.value.field == "fldm_id"


def test_policy_denied_carries_reason_and_request_id(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    with pytest.raises(fldm.PolicyDenied) as ei:
        w.get_person(fldm_hub.fldm_ids[0], purpose="70", case=CASE_W)
    assert ei.value.reason and ei.value.request_id and ei.value.code == "policy_denied"


def test_not_found(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    with pytest.raises(fldm.NotFound) as ei:
        w.get_person("P999999999", purpose="W01", case=CASE_W)
    assert ei.value.request_id


def test_invalid_input_from_the_hub_names_the_field(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    with pytest.raises(fldm.ValidationError) as ei:
        w.search(purpose="W01", case=CASE_W, familienname="X", geburtsdatum="31.02.1990")
    assert ei.value.field and "geburtsdatum" in ei.value.field


def test_invalid_address_is_rejected_before_sending(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    with pytest.raises(fldm.ValidationError) as ei:
        w.update_address(fldm_hub.fldm_ids[0], {"postleitzahl": "ABCDE"}, purpose="W01", case=CASE_W)
    assert ei.value.field and "postleitzahl" in ei.value.field


def test_missing_purpose_is_refused_before_sending(fldm_hub: FldmHub, tmp_path: Path):
    """AZRG § 10 Abs. 1: no request without a purpose. The client refuses
    an empty purpose itself, with the error the hub would give, and nothing
    is sent (the client journal stays empty)."""
    w = fldm_hub.client("wohnungsamt", journal=True)
    before = w.journal_len()
    for purpose in ("", "   "):
        with pytest.raises(fldm.MissingContext) as ei:
            w.get_person(fldm_hub.fldm_ids[0], purpose=purpose, case=CASE_W)
        assert ei.value.field == "purpose" and ei.value.reason == "missing_purpose"
        assert ei.value.code == "missing_context" and ei.value.request_id
    with pytest.raises(fldm.MissingContext):
        list(w.changes(purpose="", case=CASE_W))
    assert w.journal_len() == before
    # A purpose that is there but malformed is a validation error naming it.
    with pytest.raises(fldm.ValidationError) as vi:
        w.get_person(fldm_hub.fldm_ids[0], purpose="W\n01", case=CASE_W)
    assert vi.value.field == "purpose"


def test_config_error_for_a_missing_certificate(fldm_hub: FldmHub, tmp_path: Path):
    with pytest.raises(fldm.ConfigError) as ei:
        fldm.HubClient(fldm_hub.url, ca=tmp_path / "none.pem", cert=tmp_path / "c.pem",
                       key=tmp_path / "k.pem", user="u", no_journal=True)
    assert ei.value.field == "ca"
    with pytest.raises(fldm.ConfigError) as ei:
        fldm.HubClient(fldm_hub.url, ca=fldm_hub.dir / "ca.pem", cert=fldm_hub.dir / "wohnungsamt.pem",
                       key=fldm_hub.dir / "wohnungsamt-key.pem", user="u", journal_dir=tmp_path / "j")
    assert ei.value.field == "office"
    with pytest.raises(fldm.ConfigError):
        fldm.HubClient("http://127.0.0.1:1", ca=fldm_hub.dir / "ca.pem",
                       cert=fldm_hub.dir / "wohnungsamt.pem", key=fldm_hub.dir / "wohnungsamt-key.pem", user="u",
                       no_journal=True)


def test_the_client_journal_is_on_unless_switched_off(fldm_hub: FldmHub, tmp_path: Path):
    """As the Rust builder and the C configuration: a client without a
    journal directory is refused unless the journal is switched off
    explicitly; asking for both is refused too."""
    d = fldm_hub.dir
    identity = dict(ca=d / "ca.pem", cert=d / "wohnungsamt.pem", key=d / "wohnungsamt-key.pem", user="u")
    with pytest.raises(fldm.ConfigError) as ei:
        fldm.HubClient(fldm_hub.url, **identity)  # type: ignore[arg-type]
    assert ei.value.field == "journal_dir" and ei.value.code == "config"
    with pytest.raises(fldm.ConfigError) as ei:
        fldm.HubClient(fldm_hub.url, office="wohnungsamt", journal_dir=tmp_path / "j", no_journal=True,
                       **identity)  # type: ignore[arg-type]
    assert ei.value.field == "no_journal"
    assert not (tmp_path / "j").exists()
    on = fldm.HubClient(fldm_hub.url, office="wohnungsamt", journal_dir=tmp_path / "j", **identity)  # type: ignore[arg-type]
    off = fldm.HubClient(fldm_hub.url, no_journal=True, **identity)  # type: ignore[arg-type]
    for c in (on, off):
        c.get_person(fldm_hub.fldm_ids[0], purpose="W01", case=CASE_W)
    assert on.journal_len() == 1 and off.journal_len() == 0
    # The fixture's clients keep a journal each unless told otherwise.
    assert fldm_hub.client("wohnungsamt").journal_len() == 0
    fixture_client = fldm_hub.client("wohnungsamt")
    fixture_client.get_person(fldm_hub.fldm_ids[0], purpose="W01", case=CASE_W)
    assert fixture_client.journal_len() == 1


def test_tls_error_for_a_hub_from_another_ca(fldm_hub: FldmHub, tmp_path: Path):
    other = tmp_path / "other-pki"
    subprocess.run([str(fldm_hub.binary), "init-pki", str(other), "--policy", str(fldm_hub.policy_path),
                    "--listen", "127.0.0.1:1"], check=True, capture_output=True)
    c = fldm.HubClient(fldm_hub.url, ca=other / "ca.pem", cert=fldm_hub.dir / "wohnungsamt.pem",
                       key=fldm_hub.dir / "wohnungsamt-key.pem", user="u", retries=1, no_journal=True)
    with pytest.raises(fldm.TlsError) as ei:
        c.get_person(fldm_hub.fldm_ids[0], purpose="W01", case=CASE_W)
    assert ei.value.code == "tls"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_hub_unavailable(fldm_hub: FldmHub):
    d = fldm_hub.dir
    c = fldm.HubClient(f"https://127.0.0.1:{_closed_port()}", ca=d / "ca.pem", cert=d / "wohnungsamt.pem",
                       key=d / "wohnungsamt-key.pem", user="u", retries=1, no_journal=True)
    with pytest.raises(fldm.HubUnavailable) as ei:
        c.get_person("P000000001", purpose="W01", case=CASE_W)
    # The codes are the bridge's error kinds, the same names as C's FLDM_E_*.
    assert ei.value.code in {"unreachable", "timeout"}


def test_blocking_call_releases_the_gil_and_times_out(fldm_hub: FldmHub):
    """A server that accepts and never answers: while a client thread waits
    inside the native call, a Python thread of this process accepts the
    connection and signals. If the call held the GIL, the signal could only
    come after the call had returned."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    accepted = threading.Event()
    conns: list[socket.socket] = []

    def accept() -> None:
        conn, _ = srv.accept()
        conns.append(conn)
        accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    d = fldm_hub.dir
    c = fldm.HubClient(f"https://127.0.0.1:{port}", ca=d / "ca.pem", cert=d / "wohnungsamt.pem",
                       key=d / "wohnungsamt-key.pem", user="u", retries=1, timeout=5, no_journal=True)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            c.get_person("P000000001", purpose="W01", case=CASE_W)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    assert accepted.wait(30)
    assert t.is_alive(), "the client call returned before the server thread could run"
    t.join(60)
    srv.close()
    for conn in conns:
        conn.close()
    assert len(errors) == 1 and isinstance(errors[0], fldm.HubUnavailable)
    assert isinstance(errors[0], fldm.HubTimeout)


def test_client_journal_verifies_and_detects_tampering(fldm_hub: FldmHub, tmp_path: Path):
    d = fldm_hub.dir
    jdir = tmp_path / "journal"
    c = fldm.HubClient(fldm_hub.url, ca=d / "ca.pem", cert=d / "sozialamt.pem", key=d / "sozialamt-key.pem",
                       user="sb-1", office="sozialamt", journal_dir=jdir)
    for pid in fldm_hub.fldm_ids[:3]:
        c.get_person(pid, purpose="62", case="SO-1")
    assert c.journal_len() >= 3
    # The hub's journal: signed with the hub key.
    hub_rep = fldm.audit.verify(d / "hub-audit", public_key=d / "hub-audit-signing.pub")
    assert hub_rep["entries"] > 0
    # A bundle for one hub entry checks out; a changed one does not.
    bundle = tmp_path / "b.json"
    subprocess.run([str(fldm_hub.binary), "audit", "prove", str(d / "hub-audit"), "--index", "0",
                    "--out", str(bundle), "--signing-key", str(d / "hub-audit-signing.pk8")],
                   check=True, capture_output=True)
    assert fldm.audit.check_bundle(bundle, public_key=d / "hub-audit-signing.pub")["leaf_index"] == 0
    text = bundle.read_text()
    doc = json.loads(text)
    doc["inclusion_proof"] = ["00" * 32 for _ in doc["inclusion_proof"]] or ["00" * 32]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(fldm.AuditTampered) as ei:
        fldm.audit.check_bundle(bad, public_key=d / "hub-audit-signing.pub")
    # A bundle names its one problem in the message (C: FLDM_E_BUNDLE_INVALID).
    assert ei.value.code == "bundle_invalid" and "entry 0" in str(ei.value)
    with pytest.raises(fldm.AuditError):
        fldm.audit.check_bundle(bundle, public_key=tmp_path / "b.json")
    with pytest.raises(fldm.FldmIOError):
        fldm.audit.verify(tmp_path / "nowhere", public_key=d / "hub-audit-signing.pub")


def test_tampered_hub_journal(fldm_hub: FldmHub, tmp_path: Path):
    import shutil

    d = fldm_hub.dir
    copy = tmp_path / "hub-audit"
    shutil.copytree(d / "hub-audit", copy)
    entries = [p for p in copy.iterdir() if p.is_file() and p.stat().st_size > 200]
    target = max(entries, key=lambda p: p.stat().st_size)
    data = bytearray(target.read_bytes())
    i = data.find(b"wohnungsamt")
    assert i > 0
    data[i : i + 11] = b"sozialamt__"
    target.write_bytes(bytes(data))
    with pytest.raises(fldm.AuditTampered) as ei:
        fldm.audit.verify(copy, public_key=d / "hub-audit-signing.pub")
    assert len(ei.value.problems) >= 1


def test_client_from_profile(fldm_hub: FldmHub):
    """The profile `fldm init-pki` writes per office (relative paths, a
    journal) gives a working client whose journal is on."""
    c = fldm.HubClient.from_profile(fldm_hub.dir / "wohnungsamt.profile.toml")
    assert c.office == "wohnungsamt" and "wohnungsamt" in repr(c)
    d = c.get_person(fldm_hub.fldm_ids[2], purpose="W01", case=CASE_W)
    assert d["record"]["fldm_id"] == fldm_hub.fldm_ids[2]
    assert c.journal_len() == 1
    with pytest.raises(fldm.ConfigError) as ei:
        fldm.HubClient.from_profile(fldm_hub.dir / "no-such.profile.toml")
    assert ei.value.field == "profile"


def test_call_json_is_the_typed_call(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    pid = fldm_hub.fldm_ids[1]
    request = {"op": "get_person", "fldm_id": pid, "purpose": "W01", "case_reference": CASE_W}
    answer = json.loads(w.call_json(json.dumps(request)))
    typed = w.get_person(pid, purpose="W01", case=CASE_W)
    assert answer["request_id"] != typed["request_id"]
    assert {**answer, "request_id": ""} == {**typed, "request_id": ""}
    assert json.loads(w.call_json('{"op": "health"}')) == w.health()
    with pytest.raises(fldm.ValidationError) as ei:
        w.call_json('{"op": "fly"}')
    assert ei.value.code == "invalid_argument" and ei.value.field == "op"
    with pytest.raises(fldm.ValidationError) as ei:
        w.call_json(json.dumps({"op": "decide_correction", "correction_id": "x", "status": "accepted",
                                "purpose": "W01"}))
    assert ei.value.field == "correction_id"
    with pytest.raises(fldm.PolicyDenied) as di:
        w.call_json(json.dumps({**request, "purpose": "70"}))
    assert di.value.reason and di.value.request_id


def test_change_feed_keeps_its_cursor(fldm_hub: FldmHub):
    abh = fldm_hub.client("auslaenderbehoerde")
    feed = abh.changes(purpose="70", case=CASE_A, page_size=3)
    assert iter(feed) is feed and feed.cursor == 0
    first = [next(feed) for _ in range(5)]
    assert feed.cursor == first[-1]["seq"]
    rest = list(abh.changes(purpose="70", case=CASE_A, cursor=feed.cursor, page_size=4))
    assert rest[:3] == [next(feed) for _ in range(3)]
    assert [e["seq"] for e in first + rest] == sorted({e["seq"] for e in first + rest})
