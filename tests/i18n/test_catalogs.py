"""The shipped translations are complete and compiled: a fresh extraction of the source finds
no marked string that German, French or Spanish leave out, untranslated or fuzzy, and every
committed ``.mo`` says exactly what its ``.po`` says.

The extraction runs Django's ``makemessages`` on a copy of the source in a temporary
directory, so the repository's own catalogs are never touched by a test run.
"""

import gettext
import io
import os
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
# The source that holds marked strings: Python modules, templates and mail texts.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
NOT_SOURCE = {
    ".venv",
    "node_modules",
    "tests",
    "bench",
    "mutation",
    "mutants",
    "locale",
    "staticfiles",
    "var",
    "static",
    "docs",
    ".git",
}


def _copy_source(target: Path) -> None:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_SOURCE or path.suffix not in SOURCE_SUFFIXES:
            continue
        if not path.is_file():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _ids(catalog) -> set:
    return {
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalog
        if message.id
    }


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """Every msgid a fresh ``makemessages`` finds in the source (singular or plural pair)."""
    work = tmp_path_factory.mktemp("extract")
    _copy_source(work)
    locale = work / "locale"
    locale.mkdir()
    cwd = Path.cwd()
    try:
        os.chdir(work)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [str(locale)])
            call_command(
                "makemessages", locale=["de"], keep_pot=True, no_location=True, verbosity=0
            )
    finally:
        os.chdir(cwd)
    # A template's header has no plural rule yet; any will do for reading the msgids.
    pot = (
        (locale / "django.pot")
        .read_bytes()
        .replace(b"nplurals=INTEGER; plural=EXPRESSION;", b"nplurals=2; plural=(n != 1);")
    )
    return _ids(read_po(io.BytesIO(pot)))


def test_the_extraction_finds_the_marked_strings(extracted):
    # A sanity check of the extraction itself: strings from templates, forms and models.
    assert "Notification preferences" in extracted
    assert "Interface language" in extracted
    assert ("%(count)d notification marked read.", "%(count)d notifications marked read.") in (
        extracted
    )
    assert len(extracted) > 500


@pytest.mark.parametrize("language", SHIPPED)
def test_every_marked_string_is_translated(extracted, language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as po:
        catalog = read_po(po)
    missing = extracted - _ids(catalog)
    assert not missing, (
        f"{language}: not in django.po (run `make messages`): {sorted(missing)[:10]}"
    )
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id or (
            (message.id if isinstance(message.id, str) else tuple(message.id)) not in extracted
        ):
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{language}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:10]}"
    # Placeholders (%(name)s) of each translation match the source's.
    errors = [(message.id, error) for message, errs in catalog.check() for error in errs]
    assert not errors, f"{language}: {errors[:5]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_mo_is_compiled_from_the_po(language):
    directory = LOCALE / language / "LC_MESSAGES"
    with open(directory / "django.po", "rb") as po:
        catalog = read_po(po)
    expected = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            expected[message.id] = message.string
        else:
            for index, string in enumerate(message.string):
                expected[(message.id[0], index)] = string
    with open(directory / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled = {key: value for key, value in compiled.items() if key != ""}
    assert compiled == expected, f"{language}: django.mo is out of date (run `make messages`)"
