"""The zh-hans and en catalogs cover every translatable string; the compiled files match them."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["zh_Hans", "en"]
IGNORED = [".venv", "tests", "staticfiles", "node_modules", "test-artifacts"]


def _catalog(language: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(root / language / "LC_MESSAGES" / "django.po"))


def _ids(po: polib.POFile) -> set[str]:
    return {entry.msgid for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = _catalog(language)
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    assert untranslated == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []


def test_both_languages_have_the_same_strings():
    assert _ids(_catalog("zh_Hans")) == _ids(_catalog("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language):
    """The .mo files are committed so that no GNU gettext is needed to run perf."""
    po = _catalog(language)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {entry.msgid: entry.msgstr for entry in mo if entry.msgid}
    assert compiled == {e.msgid: e.msgstr for e in po if not e.obsolete and e.translated()}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="extraction needs GNU gettext")
def test_catalogs_cover_every_string_in_the_code(tmp_path, settings, monkeypatch):
    """Extract the strings afresh (as `make messages` does) from a copy of the code, and compare."""
    copy = tmp_path / "perf"
    shutil.copytree(
        settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*IGNORED, ".git", "*.sqlite3*")
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORED, verbosity=0)
    fresh = _ids(_catalog("zh_Hans", copy / "locale"))
    committed = _ids(_catalog("zh_Hans"))
    assert sorted(fresh - committed) == [], "strings missing from the catalogs: run make messages"
    assert sorted(committed - fresh) == [], "catalogs hold strings the code no longer uses"
