"""Debian's Chromium driven by selenium, headless: the workbench's browser tests
(tests/test_workbench_e2e.py) and `bench.workbench` start it the same way."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = os.environ.get("DUALHUB_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("DUALHUB_CHROMEDRIVER", "/usr/bin/chromedriver")


def absent() -> str | None:
    """Why the browser cannot run here, or None."""
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        return f"Chromium is not installed ({CHROMIUM}; apt-get install chromium)"
    if not (Path(DRIVER).is_file() or shutil.which("chromedriver")):
        return f"chromedriver is not installed ({DRIVER}; apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


# Every wait is bounded, so a browser that stops answering fails the test instead of
# holding the run: selenium's own limits are 120 s per command and 300 s per page load.
COMMAND_SECONDS = 60
PAGE_LOAD_SECONDS = 30
SCRIPT_SECONDS = 20


def start() -> WebDriver:
    """A headless Chromium, 1200x860, in Chinese."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = (
        CHROMIUM if Path(CHROMIUM).is_file() else str(shutil.which("chromium"))
    )
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1200,860", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(argument)
    options.timeouts = {"pageLoad": PAGE_LOAD_SECONDS * 1000, "script": SCRIPT_SECONDS * 1000}
    driver = DRIVER if Path(DRIVER).is_file() else str(shutil.which("chromedriver"))
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.command_executor.client_config.timeout = COMMAND_SECONDS
    return browser
