"""Translations: every source string has Chinese, placeholders survive, the committed .mo files
match the .po files, and the run-time codes (states, findings, place errors) read well in both
languages. Refresh the catalogs with scripts/update-translations."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "fieldcheck" / "translations"
LOCALES = ("zh", "en")
FIX = "run scripts/update-translations, translate, and run it again"

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])|\{(\w*)[^{}]*\}")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(locale: str):
    with open(po_path(locale), "rb") as f:
        return read_po(f, locale=locale)


def translated(catalog, msgid: str) -> bool:
    m = catalog.get(msgid)
    return m is not None and bool(m.string) and not m.fuzzy


def placeholders(text: str) -> Counter:
    return Counter(m.group(0) if m.group(3) is None else "{%s}" % m.group(3)
                   for m in PLACEHOLDER.finditer(text))


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """The msgids of the sources, extracted in-process with babel.cfg (as pybabel extract does)."""
    try:
        from babel.messages.frontend import parse_mapping_cfg
    except ImportError:  # Babel < 2.14
        from babel.messages.frontend import parse_mapping as parse_mapping_cfg
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f, str(ROOT / "babel.cfg"))
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                ids.add(msgid)
    assert len(ids) > 100, "extraction found almost nothing: is babel.cfg right?"
    return ids


@pytest.fixture(scope="module")
def dynamic() -> list[str]:
    with open(TRANSLATIONS / "dynamic.pot", "rb") as f:
        return [m.id for m in read_po(f) if m.id]


def test_every_source_string_has_chinese(extracted):
    zh = load_po("zh")
    missing = sorted(i for i in extracted if not translated(zh, i))
    assert not missing, f"untranslated or fuzzy in zh ({FIX}): {missing}"


def test_lazy_form_labels_are_extracted(extracted):
    # _l = lazy_gettext in forms; babel.cfg must name it as a keyword
    assert "User name" in extracted and "Decision" in extracted


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    bad = []
    for m in load_po(locale):
        if not m.id or not m.string:
            continue
        for msgid, string in zip(m.id if isinstance(m.id, tuple) else (m.id,),
                                 m.string if isinstance(m.string, tuple) else (m.string,)):
            if string and placeholders(msgid) != placeholders(string):
                bad.append((msgid, string))
    assert not bad, f"placeholders differ in {locale}: {bad}"


def test_placeholder_pattern():
    assert placeholders("at least %(p)s%% of %(n)d") == Counter(["%(p)s", "%%", "%(n)d"])
    assert placeholders("置信度 %(c)s%% 下") != placeholders("at least %(p)s%%")


def _entries(catalog) -> dict:
    return {(m.id, m.context): m.string for m in catalog}


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_mo_matches_po(locale, tmp_path):
    po = load_po(locale)
    fresh = tmp_path / f"{locale}.mo"
    with open(fresh, "wb") as f:
        write_mo(f, po, use_fuzzy=False)  # as `pybabel compile` without --use-fuzzy
    committed = po_path(locale).with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: {FIX}"
    with open(committed, "rb") as f:
        old = read_mo(f)
    with open(fresh, "rb") as f:
        new = read_mo(f)
    assert _entries(old) == _entries(new), f"{committed} is stale: {FIX}"


def test_dynamic_codes_cover_the_models(dynamic):
    from fieldcheck.assignment.states import TASK
    from fieldcheck.cycles.states import CYCLE
    from fieldcheck.field.models import FINDINGS
    from fieldcheck.reports.states import CLAIM

    codes = {*CYCLE.states, *CLAIM.states, *TASK.states, CYCLE.entity, CLAIM.entity, TASK.entity,
             *(f"finding_{f}" for f in FINDINGS)}
    assert not codes - set(dynamic), f"add to fieldcheck/translations/dynamic.pot: {sorted(codes - set(dynamic))}"


def test_every_coded_message_has_its_sentence():
    # codes with figures are worded by literal, extracted msgids in the glue, one per code
    from fieldcheck.places.csvimport import ERROR_CODES
    from fieldcheck.places.operations import PLACE_ERRORS
    from fieldcheck.reports.operations import REASONS
    from fieldcheck.reports.propose import REASON_CODES

    assert set(PLACE_ERRORS) == set(ERROR_CODES)
    assert set(REASONS) == set(REASON_CODES)


@pytest.mark.parametrize("locale", LOCALES)
def test_dynamic_codes_translated(locale, dynamic):
    po = load_po(locale)
    assert not [i for i in dynamic if not translated(po, i)], f"untranslated codes in {locale}: {FIX}"
    mo = Translations.load(str(TRANSLATIONS), [locale])
    for code in dynamic:
        assert mo.gettext(code) != code, f"{code} is not in the compiled {locale} catalog"


def test_dynamic_words():
    zh = Translations.load(str(TRANSLATIONS), ["zh"])
    en = Translations.load(str(TRANSLATIONS), ["en"])
    assert zh.gettext("finding_verified") == "属实"
    assert zh.gettext("finding_partly") == "部分属实"
    assert zh.gettext("finding_not_verified") == "不属实"
    assert zh.gettext("finding_site_not_found") == "未找到现场"
    assert en.gettext("finding_verified") == "Verified"
    assert en.gettext("finding_partly") == "Partly verified"
    assert en.gettext("finding_not_verified") == "Not verified"
    assert en.gettext("finding_site_not_found") == "Site not found"
    assert en.gettext("Sign in") == "Sign in"


def test_english_translates_only_codes(dynamic):
    extra = sorted(m.id for m in load_po("en") if m.id and m.string and m.id not in dynamic)
    assert not extra, f"en should leave these empty (English shows the msgid): {extra}"


def test_login_page_language(tmp_path):
    from fieldcheck import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(tmp_path)})
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "登录" in text and "Sign in" not in text
    assert 'lang="zh-CN"' in text

    client.set_cookie("lang", "en")
    page = client.get("/login")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sign in" in text and "登录" not in text


def test_the_catalog_kept_for_a_request_is_that_requests_language(tmp_path):
    from flask_babel import gettext

    from fieldcheck import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(tmp_path)})
    for cookie, expected in (("", "无疑点"), ("lang=en", "no warning"), ("", "无疑点")):
        with app.test_request_context("/", headers={"Cookie": cookie} if cookie else {}):
            assert gettext("no warning") == expected and gettext("no warning") == expected
    # Pages one after another in one client alternate languages as the cookie says.
    client = app.test_client()
    for lang, word in (("en", "Sign in"), ("zh", "登录"), ("en", "Sign in")):
        client.set_cookie("lang", lang)
        assert word in client.get("/login").get_data(as_text=True)
