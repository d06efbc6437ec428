"""Headless Debian chromium for the browser tests: one launch recipe, no download, no network chatter."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags chromium calls out at every start.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The accessibility rules every page is held to (axe tags).
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
