"""Driving Debian's chromium with Playwright: launch, log in with two factors, screenshots."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("KIZUNA_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TABLET = {"width": 1180, "height": 820}


def require_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"chromium missing at {CHROMIUM}")
        pytest.skip(f"chromium not installed at {CHROMIUM}")


@contextmanager
def browser_session() -> Iterator[Callable[..., Any]]:
    """One browser; each call of the yielded function opens a page in a fresh context
    (its own cookies: one signed-in person per page)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)

        def open_page(viewport: dict[str, int] | None = None) -> Any:
            context = browser.new_context(viewport=viewport or TABLET, locale="ja-JP")
            context.set_default_timeout(15_000)
            return context.new_page()

        try:
            yield open_page
        finally:
            browser.close()


@contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[Any]:
    with browser_session() as open_page:
        yield open_page(viewport)


def shot(page: object, name: str, database_url: str) -> None:
    """A full-page PNG for docs/screenshots (from the SQLite run only: one copy)."""
    if database_url.startswith("sqlite"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def login(
    page: object,
    base: str,
    account: object,
    totp_now: object,
    next_path: str = "",
    database_url: str = "",
    screenshot: bool = False,
) -> None:
    """Password, then the TOTP code, through the login pages."""
    target = f"{base}/login" + (f"?next={next_path}" if next_path else "")
    page.goto(target)  # type: ignore[attr-defined]
    page.get_by_label("ユーザー名").fill(account.username)  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill(account.password)  # type: ignore[attr-defined]
    if screenshot:
        shot(page, "login", database_url)
    page.get_by_role("button", name="次へ").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/login/totp**")  # type: ignore[attr-defined]
    page.get_by_label("認証アプリの6桁のコード").fill(totp_now(account.totp_secret))  # type: ignore
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    page.wait_for_function("() => !location.pathname.startsWith('/login')")  # type: ignore
