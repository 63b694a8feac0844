"""RFC 9162 Merkle roots and proofs of `fldm` against an independent
implementation (pymerkle, RFC 9162 hashing with 0x00/0x01 prefixes: roots
of every size, inclusion paths element by element, its consistency
verifier) and against the RFC 9162 proof and verification algorithms
written out below.

Runs the Rust side itself: `fldm audit merkle-dump` from the binary named by
FLDM_BIN (default target/debug/fldm relative to the repository root).
"""

import functools
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from pymerkle import InmemoryTree

ROOT = Path(__file__).resolve().parents[2]
MAX_SIZE = 1000


def fldm_bin() -> Path:
    p = Path(os.environ.get("FLDM_BIN", ROOT / "target" / "debug" / "fldm"))
    if not p.is_absolute():
        p = ROOT / p
    return p


@pytest.fixture(scope="module")
def dump():
    binary = fldm_bin()
    assert binary.exists(), f"build the fldm binary first ({binary} missing; set FLDM_BIN)"
    out = subprocess.run(
        [str(binary), "audit", "merkle-dump", "--max", str(MAX_SIZE)],
        check=True,
        capture_output=True,
    ).stdout
    doc = json.loads(out)
    assert [s["size"] for s in doc["sizes"]] == list(range(1, MAX_SIZE + 1))
    return doc


@pytest.fixture(scope="module")
def tree():
    t = InmemoryTree(algorithm="sha256")
    for i in range(MAX_SIZE):
        t.append_entry(f"leaf-{i}".encode())
    return t


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + f"leaf-{i}".encode()).digest()


def rfc_verify_inclusion(index, size, leaf_hash, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def rfc_verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 section 2.1.4.2 (equal sizes: empty proof, equal roots)."""
    if first == second:
        return not proof and first_hash == second_hash
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def pymerkle_inclusion_path(tree, index, size):
    """pymerkle's path is [leaf, siblings from the bottom up]; RFC 9162's
    audit path is the siblings."""
    proof = tree.prove_inclusion(index + 1, size)
    assert proof.path[0] == tree.get_leaf(index + 1)
    return list(proof.path[1:])


@functools.lru_cache(maxsize=None)
def mth(start, end):
    """RFC 9162 section 2.1.1 Merkle Tree Hash of leaves start..end."""
    n = end - start
    if n == 1:
        return leaf(start)
    k = 1
    while k << 1 < n:
        k <<= 1
    return node(mth(start, start + k), mth(start + k, end))


def rfc_consistency_proof(m, n):
    """RFC 9162 section 2.1.4.1 PROOF(m, D[n]), written out independently.
    (pymerkle's consistency paths use their own layout, so they are not
    compared element by element; its roots and its verifier are used.)"""

    def subproof(m, start, n, b):
        if m == n:
            return [] if b else [mth(start, start + n)]
        k = 1
        while k << 1 < n:
            k <<= 1
        if m <= k:
            return subproof(m, start, k, b) + [mth(start + k, start + n)]
        return subproof(m - k, start + k, n - k, False) + [mth(start, start + k)]

    return subproof(m, 0, n, True)


def test_roots_match_pymerkle_for_every_size(dump, tree):
    for s in dump["sizes"]:
        n = s["size"]
        assert bytes.fromhex(s["root"]) == tree.get_root(n), f"root of size {n}"


def test_inclusion_proofs_match_and_verify(dump, tree):
    checked = 0
    for s in dump["sizes"]:
        n, root = s["size"], bytes.fromhex(s["root"])
        for inc in s["inclusion"]:
            i = inc["index"]
            proof = [bytes.fromhex(h) for h in inc["proof"]]
            assert proof == pymerkle_inclusion_path(tree, i, n), f"inclusion {i} in {n}"
            assert rfc_verify_inclusion(i, n, leaf(i), proof, root)
            assert not rfc_verify_inclusion(i, n, leaf(i + 1), proof, root) or n == 1
            checked += 1
    assert checked > 5 * MAX_SIZE


def test_consistency_proofs_match_and_verify(dump, tree):
    checked = 0
    roots = {s["size"]: bytes.fromhex(s["root"]) for s in dump["sizes"]}
    for s in dump["sizes"]:
        n = s["size"]
        for c in s["consistency"]:
            m = c["old_size"]
            proof = [bytes.fromhex(h) for h in c["proof"]]
            assert proof == rfc_consistency_proof(m, n), f"consistency {m} -> {n}"
            assert rfc_verify_consistency(m, n, roots[m], roots[n], proof)
            if m < n:
                assert not rfc_verify_consistency(m, n, leaf(0) if m > 1 else leaf(1), roots[n], proof)
                # pymerkle's own verifier accepts the states our roots name.
                tree.prove_consistency(m, n).verify(roots[m], roots[n])
            checked += 1
    assert checked > 5 * MAX_SIZE
