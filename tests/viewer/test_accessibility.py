"""Accessibility and language: contrast of the palette, labels, landmarks, keyboard use."""

from __future__ import annotations

import itertools
import re
from importlib import resources

from playwright.sync_api import expect
from tests.viewer.browser import browser_page
from tests.viewer.conftest import Site, totp_now

from kizuna.viewer.i18n import CATALOG

CSS = resources.files("kizuna.viewer").joinpath("static", "viewer.css").read_text("utf-8")
TEMPLATES = resources.files("kizuna.viewer").joinpath("templates")
#: (text, background) pairs the stylesheet uses for text
PAIRS = [
    ("--ink", "--paper"),
    ("--accent", "--paper"),
    ("--danger", "--paper"),
    ("--warn-ink", "--warn-bg"),
    ("--muted", "--paper"),
    ("--muted", "--panel"),
    ("--ok-ink", "--ok-bg"),
    ("#ffffff", "--accent"),
    ("#ffffff", "--danger"),
    ("#163a73", "#e8edf5"),
    ("--danger", "#fde8e8"),
    ("--ink", "#dbe6f6"),
]


def _colour(name: str) -> str:
    if name.startswith("#"):
        return name
    match = re.search(rf"{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert match, name
    return match.group(1)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(_colour(fg)), _luminance(_colour(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_palette_meets_wcag_aa_for_text() -> None:
    for fg, bg in PAIRS:
        assert contrast(fg, bg) >= 4.5, (fg, bg, round(contrast(fg, bg), 2))


def test_every_template_key_is_in_the_catalog_in_both_languages() -> None:
    used: set[str] = set()
    for template in TEMPLATES.iterdir():
        if template.name.endswith(".html"):
            used |= set(re.findall(r"""t\(["']([a-z_.\-]+)["']\)""", template.read_text("utf-8")))
    missing = sorted(k for k in used if k not in CATALOG)
    assert not missing
    assert all(ja.strip() and en.strip() for ja, en in CATALOG.values())


def _accessible_names_missing(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button, a[href]')]
      .filter(el => {
        const labelled = el.labels && el.labels.length > 0;
        const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        const text = (el.innerText || el.value || '').trim();
        const isField = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && el.type !== 'submit';
        return isField ? !(labelled || aria) : !(text || aria);
      }).map(el => el.outerHTML.slice(0, 120))""")


def _landmarks_and_headings(page) -> None:
    assert page.locator("header[role=banner]").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("footer[role=contentinfo]").count() == 1
    assert page.locator("h1").count() == 1
    levels = [
        int(h[1])
        for h in page.evaluate(
            "() => [...document.querySelectorAll('h1,h2,h3,h4')].map(h => h.tagName)"
        )
    ]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def test_keyboard_only_login_search_and_summary(site: Site) -> None:
    account = site.accounts["physician"]
    with browser_page() as page:
        page.goto(f"{site.url}/login")
        first = page.evaluate("() => document.querySelector('a[href], input, button').className")
        assert first == "skip"  # the skip link is the first stop of the tab order
        expect(page.locator("#username")).to_be_focused()  # autofocus: type straight away
        page.keyboard.type(account.username)
        page.keyboard.press("Tab")
        expect(page.locator("#password")).to_be_focused()
        page.keyboard.type(account.password)
        page.keyboard.press("Enter")
        page.wait_for_url("**/login/totp**")
        expect(page.locator("#code")).to_be_focused()  # autofocus: type straight away
        page.keyboard.type(totp_now(account.totp_secret))
        page.keyboard.press("Enter")
        page.wait_for_url("**/viewer")
        assert _accessible_names_missing(page) == []
        _landmarks_and_headings(page)
        page.locator("#kana").focus()
        page.keyboard.type("ヤマダ タロウ")
        page.keyboard.press("Tab")
        expect(page.locator("#birth")).to_be_focused()
        page.locator("#birth").fill("1958-03-15")
        page.keyboard.press("Enter")
        page.wait_for_url("**/viewer?kana=*")
        link = page.locator("#results a").first
        link.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#denied")).to_be_visible()
        page.get_by_role("link", name="当院での同意を記録").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/consent")
        assert _accessible_names_missing(page) == []
        page.locator("input[name=scope][value=facility]").focus()
        page.keyboard.press("Space")
        page.get_by_role("button", name="同意を記録する").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*\?consent=recorded"))
        assert _accessible_names_missing(page) == []
        _landmarks_and_headings(page)
        assert page.locator("svg.trend[role=img][aria-label]").count() >= 2


def test_language_switch_to_english(site: Site) -> None:
    with browser_page() as page:
        page.goto(f"{site.url}/login")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        page.get_by_role("link", name=re.compile("English")).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        page.goto(f"{site.url}/login")  # the choice is remembered
        expect(page.get_by_label("Username")).to_be_visible()
