"""Take the documentation's screenshots: dashboard, a case and a person, in English and Persian.

Runs the real thing: a fresh data folder with the demo data, `docket serve`
on a loopback port, and Debian's Chromium driven by Playwright.
Usage: python scripts/screenshots.py OUTPUT_FOLDER
"""

import base64
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

BIND = "127.0.0.1:8765"


def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    docket = str(Path(sys.executable).parent / "docket")
    with tempfile.TemporaryDirectory() as data_dir:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env |= {"DOCKET_DATA_DIR": data_dir, "DOCKET_ALLOWED_HOSTS": "127.0.0.1"}
        env |= {"DOCKET_HTTPS": "off"}
        subprocess.run([docket, "demo"], env=env, check=True)
        created = subprocess.run(
            [docket, "createadmin", "--username", "leila.admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        password = re.search(r"password:\s+(\S+)", created)
        assert password, created
        server = subprocess.Popen([docket, "serve", "--bind", BIND, "--workers", "1"], env=env)
        try:
            _wait_for(f"http://{BIND}/healthz")
            _shoot(output, password.group(1))
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(url: str) -> None:
    for _ in range(50):
        try:
            with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def _shoot(output: Path, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 720})
        page.goto(f"http://{BIND}/login/")
        page.get_by_label("User name").fill("leila.admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # Administrators set up an authenticator app at their first log-in.
        secret = page.locator(".secret").inner_text()
        page.get_by_label("Code").fill(_current_code(secret))
        page.get_by_role("button", name="Turn on").click()
        page.get_by_role("link", name="Continue").click()
        for language, switch in (("en", None), ("fa", "فارسی")):
            if switch:
                page.get_by_role("button", name=switch).click()
                page.wait_for_selector("html[dir=rtl]")
            page.goto(f"http://{BIND}/")
            page.screenshot(path=output / f"dashboard-{language}.png")
            page.goto(f"http://{BIND}/cases/1/")
            page.screenshot(path=output / f"case-{language}.png", full_page=True)
            page.goto(f"http://{BIND}/people/1/")
            page.screenshot(path=output / f"person-{language}.png", full_page=True)
        browser.close()


def _current_code(secret: str) -> str:
    from django_otp.oath import TOTP

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


if __name__ == "__main__":
    main(Path(sys.argv[1]))
