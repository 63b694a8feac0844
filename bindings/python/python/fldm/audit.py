"""Offline verification of audit journals and bundles."""

from __future__ import annotations

from os import PathLike
from typing import Union

from . import _native
from ._native import AuditError, AuditTampered
from .views import AuditReport, BundleCheck

StrPath = Union[str, "PathLike[str]"]

__all__ = ["AuditError", "AuditTampered", "check_bundle", "verify"]


def verify(dir: StrPath, *, public_key: StrPath) -> AuditReport:
    """Verify the journal in ``dir`` (hash chain, Merkle tree, signed
    checkpoints) with the owner's public key. Returns the report
    (``entries``, ``checkpoints_verified``, ``verified_size``, ``uncovered``,
    ``notes``, ...); raises ``AuditTampered`` with ``problems`` if anything
    was changed, ``FldmIOError`` if the files cannot be read."""
    return _native.audit_verify(str(dir), str(public_key))


def check_bundle(path: StrPath, *, public_key: StrPath) -> BundleCheck:
    """Check an offline verification bundle (entry, inclusion proof,
    signed checkpoint). Returns ``leaf_index`` and ``tree_size``; raises
    ``AuditTampered`` if the entry, proof or signature does not hold."""
    return _native.audit_check_bundle(str(path), str(public_key))
