"""Screenshots of each role's home page at 1400x900, from a running demo, into docs/screenshots/.

    make demo                              # in one terminal; wait for "is ready at"
    .venv/bin/python docs/screenshots.py   # in another (--url if the demo is not on :8000)

The demo users' passwords are read from var/demo-users.json (written by `make demo`, never committed).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402  (the repository's root is on the path now)

ROLES = ("admin", "maker", "manager")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    passwords = json.loads((ROOT / "var" / "demo-users.json").read_text())
    options.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        for role in ROLES:
            context = browser.new_context(base_url=options.url, viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto("/login/")
            page.get_by_label("Username").fill(role)
            page.get_by_label("Password").fill(passwords[role])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/login/" not in url)
            page.wait_for_load_state("networkidle")
            path = options.out / f"home-{role}.png"
            page.screenshot(path=str(path))
            print(f"{role}: {path.relative_to(ROOT)}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
