"""How long the web workbench (/app) takes to show each role's first page, in headless
Chromium, against the sign-in page (static: no GraphQL request) in the same run.

    python -m bench.workbench                  # demo data set, SQLite files in a temp dir
    python -m bench.workbench --runs 10

Seeds the demo data set, starts `dualhub serve` (one worker, development mode, so the
page's demo sign-in works), and for each role signs in once, then loads the role's first
page `--runs` times from a blank tab, each time until its content is shown (the element
the end-to-end tests wait for: a table row, an order, a chart's bars). The time is the
page's own clock (`performance.now()`: from the start of the navigation), so the browser's
start-up and the driver's round trips are not in it. It prints the median and the slowest
load per role and each median's ratio to the sign-in page's. Needs Debian's `chromium` and
`chromium-driver` and selenium (the test extras).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from bench.performance import prepare, sqlite_files
from bench.throughput import _environment, _free_port, _hub_command, _server
from datasources.seeding import SCALES
from tests import chromium

# Each role's first page and what shows it is there (as tests/test_workbench_e2e.py waits).
FIRST_PAGES = {
    "unit_branch": "main table tbody tr",
    "community": "article.order",
    "district": "#by-month svg rect",
    "member": "#notifications li",
    "auditor": "main table tbody tr",
}
SIGN_IN_SHOWN = "#dev-role"
# The page's clock when `selector` is first rendered, checked every frame in the page (a
# driver's poll would add its own interval).
SHOWN_AT = """const [selector, done] = arguments;
const check = () => {
  const element = document.querySelector(selector);
  if (element && element.getClientRects().length) done(performance.now());
  else requestAnimationFrame(check);
};
check();"""


def _load(browser: WebDriver, url: str, shown: str, runs: int) -> list[float]:
    """Milliseconds from navigation start until `shown` is visible, `runs` times."""
    times = []
    for _ in range(runs):
        browser.get("about:blank")
        browser.get(url)
        times.append(float(browser.execute_async_script(SHOWN_AT, shown)))
    return times


def _sign_in(browser: WebDriver, hub: str, role: str) -> str:
    """Sign in through the page's development form; the URL of the role's first page."""
    browser.get(f"{hub}/app/#/signin")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{hub}/app/#/signin")
    wait = WebDriverWait(browser, 30)
    Select(wait.until(ec.visibility_of_element_located((By.ID, "dev-role")))).select_by_value(role)
    browser.find_element(By.ID, "dev-submit").click()
    wait.until(ec.visibility_of_element_located((By.ID, "sign-out")))
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, FIRST_PAGES[role])))
    return str(browser.current_url)


def main(folder: Path, runs: int) -> dict[str, list[float]]:
    data = sqlite_files(folder)
    asyncio.run(prepare(data, SCALES["demo"]))
    port = _free_port()
    env = {**_environment(data), "DUALHUB_DATA_DIR": str(folder / "data")}
    results: dict[str, list[float]] = {}
    with _server(_hub_command(port, 1), env, port) as hub:
        browser = chromium.start()
        browser.set_script_timeout(30)
        try:
            browser.get(f"{hub}/app/#/signin")
            browser.execute_script("sessionStorage.clear()")
            _load(browser, f"{hub}/app/#/signin", SIGN_IN_SHOWN, 2)  # warm the files' cache
            results["sign-in page"] = _load(browser, f"{hub}/app/#/signin", SIGN_IN_SHOWN, runs)
            for role, shown in FIRST_PAGES.items():
                first_page = _sign_in(browser, hub, role)
                results[role] = _load(browser, first_page, shown, runs)
        finally:
            browser.quit()
    base = statistics.median(results["sign-in page"])
    print(f"first page shown, {runs} loads each (ms from navigation start; ratio: median / "
          f"the sign-in page's median)")  # fmt: skip
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:<14} median {median:7.1f}  slowest {max(times):7.1f}  "
              f"{median / base:5.2f}x")  # fmt: skip
    return results


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        main(Path(folder), args.runs)


if __name__ == "__main__":
    cli()
