"""Code lists from Python: the built-in nationality list against the
published genericode file in ../shared/data/codelists, loading, installing
a newer list, and the errors of unusable files."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import fldm
import fldm.codes

ROOT = Path(__file__).resolve().parents[3]
NATIONALITY_URI = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit"


@pytest.fixture(scope="module")
def codelists() -> Path:
    d = Path(os.environ.get("FLDM_CODELIST_DIR", ROOT.parent / "shared" / "data" / "codelists"))
    assert d.is_dir(), f"published code lists not found at {d} (set FLDM_CODELIST_DIR)"
    return d


@pytest.fixture
def restore_list() -> Iterator[None]:
    yield
    fldm.codes.reset_nationality_list()


def test_builtin_list_equals_the_published_one(codelists: Path):
    builtin = fldm.codes.builtin_nationality_list()
    published = fldm.codes.load_nationality_list(codelists / "DESTATIS_Staatsangehoerigkeit_2024-08-01.xml")
    assert published == builtin
    assert builtin.uri == NATIONALITY_URI and builtin.version == "2024-08-01"
    assert len(builtin) == 211 and "475" in builtin and "12" not in builtin
    syr = builtin.get("475")
    assert syr is not None and syr.name == "syrisch" and syr.name2 == "Arabische Republik Syrien"
    assert builtin.get("000") is not None and builtin.get("000").name == "deutsch"  # type: ignore[union-attr]
    assert [e.code for e in builtin] == sorted(e.code for e in builtin)
    assert fldm.codes.nationality_list() == builtin


def test_other_lists_load_with_named_columns(codelists: Path):
    g = fldm.codes.load_genericode(codelists / "XInneres_Geschlecht_1.xml", code_column="code",
                                   name_column="beschreibung")
    assert g.uri == "urn:xoev-de:xinneres:codeliste:geschlecht" and g.version == "1"
    assert {e.code for e in g} == {"m", "w", "x", "d"}


def test_installed_list_validates_records(codelists: Path, tmp_path: Path, restore_list: None):
    """A newer published list with a code the built-in one lacks: records
    with that code are invalid before installing and valid after."""
    text = (codelists / "DESTATIS_Staatsangehoerigkeit_2024-08-01.xml").read_text(encoding="utf-8")
    rows = re.findall(r"<Row>.*?</Row>", text, flags=re.S)
    syr = next(r for r in rows if re.search(r"<SimpleValue>475</SimpleValue>", r))
    new_row = syr.replace("<SimpleValue>475</SimpleValue>", "<SimpleValue>901</SimpleValue>")
    newer = text.replace(syr, syr + new_row, 1).replace("<Version>2024-08-01</Version>", "<Version>2099-01-01</Version>")
    path = tmp_path / "Staatsangehoerigkeit_2099-01-01.xml"
    path.write_text(newer, encoding="utf-8")

    d = fldm.synth(1, seed=4)[0].to_dict()
    d["grundpersonalien"]["staatsangehoerigkeiten"] = ["901"]
    with pytest.raises(fldm.ValidationError) as ei:
        fldm.Person.from_dict(d)
    assert ei.value.field == "grundpersonalien.staatsangehoerigkeiten[0]"

    installed = fldm.codes.install_nationality_list(path)
    assert installed.version == "2099-01-01" and len(installed) == 212
    assert fldm.codes.nationality_list() == installed
    p = fldm.Person.from_dict(d)
    assert 'listVersionID="2099-01-01"' in p.to_xml()

    fldm.codes.reset_nationality_list()
    with pytest.raises(fldm.ValidationError):
        fldm.Person.from_dict(d)


def test_another_list_is_not_a_nationality_list(codelists: Path):
    with pytest.raises(fldm.CodeListError) as ei:
        fldm.codes.load_nationality_list(codelists / "XInneres_Geschlecht_1.xml")
    e = ei.value
    assert isinstance(e, fldm.FldmError) and e.code == "code_list"
    assert e.file is not None and e.file.endswith("XInneres_Geschlecht_1.xml")


def test_unusable_files_raise_code_list_errors(tmp_path: Path, codelists: Path, restore_list: None):
    broken = tmp_path / "broken.xml"
    broken.write_text("<gc:CodeList xmlns:gc='http://docs.oasis-open.org/codelist/ns/genericode/1.0/'><Row>",
                      encoding="utf-8")
    with pytest.raises(fldm.CodeListError):
        fldm.codes.load_nationality_list(broken)
    with pytest.raises(fldm.CodeListError) as ei:
        fldm.codes.load_genericode(codelists / "Namensart_1.xml", code_column="code", name_column="wert")
    assert "code" in str(ei.value)
    # A list whose code is not three digits is refused and not installed.
    text = (codelists / "DESTATIS_Staatsangehoerigkeit_2024-08-01.xml").read_text(encoding="utf-8")
    bad = tmp_path / "bad-code.xml"
    bad.write_text(text.replace("<SimpleValue>475</SimpleValue>", "<SimpleValue>4750</SimpleValue>", 1),
                   encoding="utf-8")
    with pytest.raises(fldm.CodeListError):
        fldm.codes.install_nationality_list(bad)
    assert fldm.codes.nationality_list() == fldm.codes.builtin_nationality_list()
    with pytest.raises(fldm.FldmIOError):
        fldm.codes.load_nationality_list(tmp_path / "missing.xml")
