"""pytest plugin: a reference hub on loopback for testing scripts.

Registered through the ``pytest11`` entry point, so installing ``fldm``
makes the session fixture ``fldm_hub`` available::

    def test_my_script(fldm_hub):
        client = fldm_hub.client("wohnungsamt")
        d = client.get_person(fldm_hub.fldm_ids[0], purpose="W01", case="WA-1")

The hub is the ``fldm`` binary (``fldm init-pki``, ``fldm hub seed``,
``fldm hub serve``), found through the environment variable ``FLDM_BIN`` or
on ``PATH``. It runs on 127.0.0.1 with a development PKI and a synthetic
population (``FLDM_HUB_PERSONS``, default 300, seed 11) in a temporary
directory, and is stopped at the end of the session. The reference policy
is ``FLDM_POLICY`` or the ``policies/reference.toml`` of the source tree.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any, Optional

import pytest

from . import HubClient, Person, Policy

__all__ = ["FldmHub", "fldm_hub", "find_fldm_binary"]

DEFAULT_PERSONS = 300
DEFAULT_SEED = 11


def find_fldm_binary() -> Path:
    """``$FLDM_BIN``, else ``fldm`` on ``PATH``."""
    env = os.environ.get("FLDM_BIN")
    if env:
        p = Path(env)
        if not p.is_file():
            raise FileNotFoundError(f"FLDM_BIN={env} does not exist")
        return p
    found = shutil.which("fldm")
    if not found:
        raise FileNotFoundError("the fldm binary was not found: set FLDM_BIN or put fldm on PATH")
    return Path(found)


def _reference_policy() -> Path:
    env = os.environ.get("FLDM_POLICY")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "policies" / "reference.toml"
        if cand.is_file():
            return cand
    cand = Path.cwd() / "policies" / "reference.toml"
    if cand.is_file():
        return cand
    raise FileNotFoundError("reference policy not found: set FLDM_POLICY")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FldmHub:
    """A running reference hub. ``dir`` holds the PKI (``ca.pem``,
    ``<office>.pem``, ``<office>-key.pem``, ``<office>-audit-signing.pub``),
    ``hub.toml`` and the hub's audit journal (``hub-audit``)."""

    def __init__(
        self,
        dir: Path,
        *,
        binary: Optional[Path] = None,
        policy: Optional[Path] = None,
        persons: int = DEFAULT_PERSONS,
        seed: int = DEFAULT_SEED,
    ) -> None:
        self.dir = Path(dir)
        self.binary = binary or find_fldm_binary()
        self.policy_path = policy or _reference_policy()
        self.persons = persons
        self.seed = seed
        self.port = _free_port()
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._log = self.dir / "hub.log"
        self._journals = count(1)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        proc = subprocess.run(
            [str(self.binary), *args], capture_output=True, text=True, timeout=600
        )
        if proc.returncode != 0:
            raise RuntimeError(f"fldm {args[0]} failed: {proc.stderr[-2000:]}")

    def start(self) -> FldmHub:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._run(
            "init-pki", str(self.dir), "--policy", str(self.policy_path),
            "--listen", f"127.0.0.1:{self.port}",
        )
        self._run(
            "hub", "seed", "--config", str(self.dir / "hub.toml"),
            "--persons", str(self.persons), "--seed", str(self.seed),
        )
        log = open(self._log, "wb")
        self._proc = subprocess.Popen(
            [str(self.binary), "hub", "serve", "--config", str(self.dir / "hub.toml")],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the hub exited: {self._log.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the hub did not start within 60 s")
                time.sleep(0.05)
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def policy(self) -> Policy:
        return Policy.load(self.policy_path)

    def population(self) -> list[Person]:
        """The synthetic population the hub was seeded with."""
        from . import synth

        return synth(self.persons, self.seed)

    @property
    def fldm_ids(self) -> list[str]:
        return [p.fldm_id for p in self.population()]

    def client(
        self,
        office: str,
        *,
        user: Optional[str] = None,
        journal: bool = True,
        **kwargs: Any,
    ) -> HubClient:
        """A client with ``office``'s development certificate. Its client
        journal is on, as in any ``HubClient``: each client writes its own
        directory ``dir/journals/<office>-<n>`` (two clients must never
        share one). ``journal=False`` switches it off
        (``no_journal=True``)."""
        d = self.dir
        journal_dir = d / "journals" / f"{office}-{next(self._journals)}" if journal else None
        return HubClient(
            self.url,
            ca=d / "ca.pem",
            cert=d / f"{office}.pem",
            key=d / f"{office}-key.pem",
            user=user or f"{office}-test",
            office=office,
            journal_dir=journal_dir,
            no_journal=not journal,
            **kwargs,
        )

    def __enter__(self) -> FldmHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def fldm_hub() -> Iterator[FldmHub]:
    """A reference hub on 127.0.0.1 for the whole test session."""
    persons = int(os.environ.get("FLDM_HUB_PERSONS", DEFAULT_PERSONS))
    with tempfile.TemporaryDirectory(prefix="fldm-hub-") as tmp:
        with FldmHub(Path(tmp), persons=persons) as hub:
            yield hub
