"""Code lists (XÖV code elements).

The nationality list (DESTATIS "Staatsangehörigkeit") validates every
``grundpersonalien.staatsangehoerigkeiten`` code and is written into XML as
``listURI``/``listVersionID``. A release carries the version 2024-08-01; when
DESTATIS publishes a newer one, load its genericode file and install it for
the process::

    import fldm.codes
    lst = fldm.codes.load_nationality_list("Staatsangehoerigkeit_2026-02-01.xml")
    lst.get("475").name                 # 'syrisch'
    fldm.codes.install_nationality_list("Staatsangehoerigkeit_2026-02-01.xml")

A file that is not a usable list raises ``CodeListError`` (``file`` names
it); a file that cannot be read raises ``FldmIOError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Optional, Union

from . import _native
from ._native import CodeListError

StrPath = Union[str, "PathLike[str]"]

__all__ = [
    "CodeEntry",
    "CodeList",
    "CodeListError",
    "builtin_nationality_list",
    "install_nationality_list",
    "load_genericode",
    "load_nationality_list",
    "nationality_list",
    "reset_nationality_list",
]


@dataclass(frozen=True)
class CodeEntry:
    """One entry: the code, its name and (where the list has one) a second
    name; for nationalities the adjective (``syrisch``) and the short state
    name (``Arabische Republik Syrien``)."""

    code: str
    name: str
    name2: Optional[str] = None


@dataclass(frozen=True)
class CodeList:
    """A code list: ``uri`` (``listURI``), ``version`` (``listVersionID``)
    and the entries sorted by code."""

    uri: str
    version: str
    entries: tuple[CodeEntry, ...]
    _by_code: dict[str, CodeEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {e.code: e for e in self.entries})

    def get(self, code: str) -> Optional[CodeEntry]:
        """The entry for ``code``, or ``None``."""
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.entries)


def _list(d: dict[str, Any]) -> CodeList:
    return CodeList(
        uri=d["uri"],
        version=d["version"],
        entries=tuple(CodeEntry(c, n, n2) for c, n, n2 in d["entries"]),
    )


def nationality_list() -> CodeList:
    """The nationality list this process validates against."""
    return _list(_native.codes_nationality_list())


def builtin_nationality_list() -> CodeList:
    """The nationality list built into this release (2024-08-01)."""
    return _list(_native.codes_builtin_nationality_list())


def load_nationality_list(path: StrPath) -> CodeList:
    """Read a published DESTATIS nationality list (genericode). Checks the
    list URI and that every code has three digits."""
    return _list(_native.codes_load_nationality_list(str(path)))


def install_nationality_list(path: StrPath) -> CodeList:
    """Read a published nationality list and use it, for the whole process,
    to validate records and to write XML. Records already decoded keep their
    codes. Returns the installed list."""
    return _list(_native.codes_install_nationality_list(str(path)))


def reset_nationality_list() -> None:
    """Use the built-in nationality list again."""
    _native.codes_reset_nationality_list()


def load_genericode(
    path: StrPath, *, code_column: str, name_column: str, name2_column: Optional[str] = None
) -> CodeList:
    """Read any genericode list, with codes and names from the named
    columns (for example the XInneres gender list with ``code`` /
    ``beschreibung``)."""
    return _list(
        _native.codes_load_genericode(str(path), code_column, name_column, name2_column)
    )
