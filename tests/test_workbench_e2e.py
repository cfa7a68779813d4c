"""The web workbench end to end, in a real headless Chromium driven by Selenium (Debian's
`chromium` and `chromium-driver`), against one live demo hub for the module.

Each role signs in through the development sign-in page and does its task: a branch
secretary finds a non-compliant member, opens his timeline and meets the appraisal ceiling;
a community dispatches an overdue order; the member accepts and closes it. The district's
charts render. Every page is screenshotted (into a pytest temporary folder, or
`DUALHUB_TEST_ARTIFACTS` when set) and checked not to be blank, and every request the page
made to /graphql named a trusted document by id and sent no query.

Skipped, with the reason, without Chromium, its driver or Selenium, unless
`DUALHUB_REQUIRE_CHROMIUM=1` (which `.ci/run` sets when it installed them).
"""

from __future__ import annotations

import base64
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from datasources.seeding import SCALES
from gateway import workbench
from gateway.app import create_app
from gateway.server import server_options
from gateway.settings import Settings
from tests import chromium
from tests.conftest import TEST_SECRET
from tests.databases import seeded_pair
from tests.live_hub import free_port
from tests.test_persisted_clients import recording

REQUIRED = os.environ.get("DUALHUB_REQUIRE_CHROMIUM") == "1"
WAIT = 20

_REASON = chromium.absent()
if _REASON is not None:
    if REQUIRED:
        raise RuntimeError(f"DUALHUB_REQUIRE_CHROMIUM=1 but {_REASON}")
    pytest.skip(_REASON, allow_module_level=True)

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


class LiveHub:
    """A demo hub served by uvicorn in a thread of its own (its own event loop)."""

    def __init__(self, settings: Settings) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.app = create_app(settings)
        self.port = free_port()
        options = {**server_options(settings), "host": "127.0.0.1", "port": self.port}
        self.server = uvicorn.Server(uvicorn.Config(recording(self.app, self.bodies), **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveHub:
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                return self
            self.thread.join(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *_exc: object) -> None:
        # The app's lifespan disposes of the hub as uvicorn stops, cancelling what is still
        # in flight after the shutdown grace.
        self.server.should_exit = True
        self.thread.join(self.app.state.hub.settings.shutdown_grace_seconds + 10)
        assert not self.thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    with seeded_pair("sqlite", tmp_path_factory, SCALES["demo"], "workbench") as pair:
        assert pair.audit_url is not None
        settings = Settings(
            units_database_url=pair.units_url,
            community_database_url=pair.community_url,
            audit_database_url=pair.audit_url,
            data_dir=str(tmp_path_factory.mktemp("workbench-data")),
            jwt_secret=TEST_SECRET,
            rate_limit_per_ip="",
            rate_limit_per_token="",
            log_level="warning",
        )
        with LiveHub(settings) as live:
            yield live


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("DUALHUB_TEST_ARTIFACTS")
    if chosen:
        folder = Path(chosen) / "workbench"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("workbench-screens")


@pytest.fixture(scope="module")
def browser(hub: LiveHub) -> Iterator[WebDriver]:
    """Depends on the hub so that it closes first: no connection of its outlives the hub."""
    driver = chromium.start()
    try:
        yield driver
    finally:
        driver.quit()


def wait(browser: WebDriver, selector: str) -> Any:
    try:
        return WebDriverWait(browser, WAIT).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, selector))
        )
    except TimeoutException:
        page = browser.find_element(By.TAG_NAME, "body").text
        raise AssertionError(f"{selector} not shown at {browser.current_url}:\n{page}") from None


def sign_in(browser: WebDriver, hub: LiveHub, role: str, *, width: int = 1200) -> None:
    browser.set_window_size(width, 860)
    browser.get(f"{hub.url}/app/#/signin")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{hub.url}/app/#/signin")
    Select(wait(browser, "#dev-role")).select_by_value(role)
    browser.find_element(By.ID, "dev-submit").click()
    wait(browser, "#sign-out")


def screenshot(browser: WebDriver, artifacts: Path, name: str) -> Path:
    """Saved, and checked not blank: the pixel variance of the page as Chromium decodes the
    PNG (no imaging library needed)."""
    png = browser.get_screenshot_as_png()
    path = artifacts / f"{name}.png"
    path.write_bytes(png)
    variance = browser.execute_async_script(
        """const [data, done] = arguments;
        const image = new Image();
        image.onload = () => {
          const canvas = document.createElement("canvas");
          canvas.width = image.width; canvas.height = image.height;
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, image.width, image.height).data;
          let sum = 0, squares = 0, n = 0;
          for (let i = 0; i < pixels.length; i += 4) {
            const grey = (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
            sum += grey; squares += grey * grey; n += 1;
          }
          const mean = sum / n;
          done(squares / n - mean * mean);
        };
        image.onerror = () => done(-1);
        image.src = "data:image/png;base64," + data;""",
        base64.b64encode(png).decode(),
    )
    assert variance > 100, f"{path} looks blank (pixel variance {variance})"
    return path


def dev_token_scope(hub: LiveHub, role: str, key: str) -> str:
    return dev_token(hub, role, scope=key)


def dev_token(hub: LiveHub, role: str, *, scope: str | None = None) -> str:
    """The token (or, given `scope`, that scope's code) the development sign-in issues."""
    issued = httpx.post(f"{hub.url}/app/dev-token", json={"role": role}, timeout=30).json()
    value: str = issued["scope"][scope] if scope else issued["token"]
    return value


def test_branch_secretary_finds_a_non_compliant_member_and_opens_his_timeline(
    browser: WebDriver, hub: LiveHub, artifacts: Path
) -> None:
    sign_in(browser, hub, "unit_branch")
    wait(browser, "main table tbody tr")
    assert "报到率" in browser.find_element(By.ID, "main").text
    screenshot(browser, artifacts, "branch")
    # The spreadsheet behind the download button answers the page's token.
    download = browser.execute_async_script(
        """const [code, done] = arguments;
        const token = sessionStorage.getItem("dualhub.token");
        fetch(`../reports/branch/${code}.xlsx?year=2025`, {headers: {Authorization: `Bearer ${token}`}})
          .then((r) => r.blob().then((b) => done([r.status, r.headers.get("content-type"), b.size])))
          .catch((error) => done([0, String(error), 0]));""",
        dev_token_scope(hub, "unit_branch", "branch"),
    )
    assert download[0] == 200, download
    assert "spreadsheetml" in download[1]
    assert download[2] > 1000

    browser.find_element(By.LINK_TEXT, "未达标党员").click()
    first = wait(browser, "#noncompliant tbody tr td a")
    reason = browser.find_element(By.CSS_SELECTOR, "#noncompliant tbody tr td:nth-child(2)").text
    assert "要求" in reason or "未报到" in reason, reason
    name = first.text
    screenshot(browser, artifacts, "branch-noncompliant")
    first.send_keys("\n")  # by keyboard, as a link is followed without a mouse

    heading = wait(browser, "#member-name")
    assert name in heading.text
    wait(browser, "#timeline tbody tr")
    # The organisation evaluation above his ceiling is refused: the userError is shown.
    Select(browser.find_element(By.ID, "eval-grade")).select_by_value("EXCELLENT")
    browser.find_element(By.ID, "eval-comment").send_keys("表现突出")
    browser.find_element(By.CSS_SELECTOR, "#eval-form button").click()
    refusal = wait(browser, "#eval-result .error")
    assert "ABOVE_CEILING" in refusal.text
    screenshot(browser, artifacts, "branch-member-timeline")


def test_community_dispatches_an_overdue_order_and_the_member_accepts_and_closes_it(
    browser: WebDriver, hub: LiveHub, artifacts: Path
) -> None:
    code = dev_token(hub, "member", scope="member")
    sign_in(browser, hub, "community")
    order = wait(browser, "article.order")
    assert "超时" in order.text
    title = order.find_element(By.TAG_NAME, "h3").text
    screenshot(browser, artifacts, "community")
    order_id = order.get_attribute("data-order")
    order.find_element(By.CSS_SELECTOR, "[data-member]").send_keys(code)
    order.find_element(By.CSS_SELECTOR, "form button").click()
    assert code in wait(browser, "article.order .dispatched").text

    # The member, on a phone-sized screen, finds the dispatch among his notifications (我的消息),
    # opens the order from it and accepts it.
    sign_in(browser, hub, "member", width=390)
    link = wait(
        browser,
        f'#notifications [data-kind="ORDER_DISPATCHED"] a[href="#/order/{quote(order_id, safe="")}"]',
    )
    screenshot(browser, artifacts, "member")
    link.click()
    accept = wait(browser, "article.order [data-accept]")
    assert title in browser.find_element(By.ID, "main").text
    accept.send_keys(Keys.ENTER)  # by keyboard
    wait(browser, "article.order [data-close]")
    # Now among his orders, where he closes it.
    browser.find_element(By.LINK_TEXT, "返回我的").click()
    wait(browser, "#notifications")
    mine = wait(browser, f'article.order[data-order="{order_id}"] [data-close] textarea')
    mine.send_keys("已上门调解，双方达成一致")
    hours = browser.find_element(By.CSS_SELECTOR, f'article.order[data-order="{order_id}"] input')
    hours.clear()
    hours.send_keys("2")
    screenshot(browser, artifacts, "member-closing")
    browser.find_element(By.CSS_SELECTOR, f'article.order[data-order="{order_id}"] button').click()
    WebDriverWait(browser, WAIT).until(
        lambda driver: (
            not driver.find_elements(By.CSS_SELECTOR, f'article.order[data-order="{order_id}"]')
        )
    )
    # Closed (已结单), as the API tells.
    closed = httpx.post(
        f"{hub.url}/graphql",
        json={"documentId": workbench.document_ids()["Order"], "variables": {"id": order_id}},
        headers={"Authorization": f"Bearer {dev_token(hub, 'member')}"},
        timeout=30,
    ).json()
    assert closed["data"]["node"]["status"] == "CLOSED", closed
    screenshot(browser, artifacts, "member-closed")


def test_district_sees_charts_and_auditor_the_log(
    browser: WebDriver, hub: LiveHub, artifacts: Path
) -> None:
    sign_in(browser, hub, "district")
    wait(browser, "#by-month svg rect")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#by-month svg rect")) >= 3
    assert browser.find_elements(By.CSS_SELECTOR, "#by-unit svg rect")
    screenshot(browser, artifacts, "district")
    sign_in(browser, hub, "auditor")
    wait(browser, "main table tbody tr")
    screenshot(browser, artifacts, "auditor")


@pytest.mark.parametrize(
    ("role", "link", "shown"),
    [
        ("community", "审核队列", "#demands table"),
        ("community", "活动", "main table tbody tr"),
        ("community", "报到党员", "main table tbody tr"),
        ("community", "红色物业", "#red-property tbody tr"),
        ("district", "红旗支部与物业排名", "#by-category svg rect"),
        ("member", "活动与积分", "main table"),
    ],
)
def test_further_screens_render(
    browser: WebDriver, hub: LiveHub, artifacts: Path, role: str, link: str, shown: str
) -> None:
    sign_in(browser, hub, role, width=390 if role == "member" else 1200)
    browser.find_element(By.LINK_TEXT, link).click()
    wait(browser, shown)
    assert not browser.find_elements(By.CSS_SELECTOR, "main .error")
    screenshot(browser, artifacts, f"{role}-{link}")


def test_community_issues_a_check_in_code_and_filters_supporters(
    browser: WebDriver, hub: LiveHub, artifacts: Path
) -> None:
    sign_in(browser, hub, "community")
    browser.find_element(By.LINK_TEXT, "活动").click()
    wait(browser, "[data-code]").click()
    result = wait(browser, "[data-activity] .checkin-code, [data-activity] .error")
    # A code while the activity is open for check-in, else the API's refusal, shown as is.
    assert re.fullmatch(r"\d{6}", result.text) or "OUTSIDE_WINDOW" in result.text, result.text
    browser.find_element(By.LINK_TEXT, "报到党员").click()
    Select(wait(browser, "#available")).select_by_value("WEEKENDS")
    browser.find_element(By.CSS_SELECTOR, "#skill-form button").click()
    WebDriverWait(browser, WAIT).until(
        lambda driver: all(
            "周末" in cell.text
            for cell in driver.find_elements(By.CSS_SELECTOR, "main tbody td:nth-child(6)")
        )
    )
    screenshot(browser, artifacts, "community-supporters-weekends")


# The page's accessible basics, checked in the browser on what it rendered: every form
# control has a label, every button and link a name, every image an alt text, and text
# meets WCAG's contrast minimum (4.5:1, large text 3:1) against its nearest opaque background.
ACCESSIBILITY = """
const problems = [];
const named = (el) => (el.getAttribute("aria-label") || el.title || "").trim()
  || (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean)
       .map((id) => document.getElementById(id)?.innerText || "").join("").trim();
for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
  const label = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest("label");
  if (!label && !named(el)) problems.push("unlabelled " + el.outerHTML.slice(0, 90));
}
for (const el of document.querySelectorAll("button, a[href]")) {
  if (!el.innerText.trim() && !named(el)) problems.push("nameless " + el.outerHTML.slice(0, 90));
}
for (const el of document.querySelectorAll("img:not([alt])")) problems.push("no alt " + el.src);
const channels = (css) => css.match(/[\\d.]+/g).map(Number);
const luminance = ([r, g, b]) => [r, g, b].map((c) => {
  c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = channels(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c;
  }
  return [255, 255, 255];
};
for (const el of document.querySelectorAll("body *:not(svg):not(svg *)")) {
  const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!text || !el.getClientRects().length) continue;
  const style = getComputedStyle(el);
  const [fg, bg] = [luminance(channels(style.color)), luminance(background(el))];
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const minimum = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
  if (ratio < minimum) {
    problems.push(`contrast ${ratio.toFixed(2)} < ${minimum}: ${el.tagName} "${el.textContent.trim().slice(0, 24)}"`);
  }
}
return problems;
"""


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (None, "#dev-role"),
        ("unit_branch", "main table tbody tr"),
        ("community", "article.order"),
        ("district", "#by-month svg rect"),
        ("member", "#notifications li"),
        ("auditor", "main table tbody tr"),
    ],
)
def test_each_first_page_has_labels_names_and_contrast(
    browser: WebDriver, hub: LiveHub, role: str | None, shown: str
) -> None:
    if role is None:
        browser.get(f"{hub.url}/app/#/signin")
        browser.execute_script("sessionStorage.clear()")
        browser.get(f"{hub.url}/app/#/signin")
    else:
        sign_in(browser, hub, role, width=390 if role == "member" else 1200)
    wait(browser, shown)
    assert browser.execute_script(ACCESSIBILITY) == []


def test_the_page_sent_only_document_ids(hub: LiveHub) -> None:
    """Runs last in the module: every request the tests' pages made."""
    known = set(workbench.document_ids().values())
    assert hub.bodies, "the browser made no GraphQL request"
    for body in hub.bodies:
        assert "query" not in body, body
        assert body["documentId"] in known, body
