"""The web console in a real browser: every page loads, links lead where they say, markup is shown as text, and the
redrive button moves a dead letter out of the dead-letter queue. The store is the console's demo (ConsoleDemo): four
DAGs, six runs (one failed), a watcher with two dead letters, an event whose extra holds markup."""
import json
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

PAGES = ["/ui", "/ui/dags", "/ui/runs", "/ui/assets", "/ui/watchers", "/ui/dead-letters"]


def rows(browser, table_id, row_class):
    return browser.find_elements(By.CSS_SELECTOR, f"#{table_id} tr.{row_class}")


def cells(row):
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def test_every_page_loads_from_the_navigation(console, browser, screenshot):
    browser.get(console.url("/ui"))
    screenshot("overview")
    nav = {link.text: link.get_attribute("href") for link in browser.find_elements(By.CSS_SELECTOR, "header nav a")}
    assert [href.removeprefix(console.base_url) for name, href in nav.items() if name != "Metrics"] == PAGES[1:]
    for name, href in nav.items():
        if name == "Metrics":
            continue
        browser.find_element(By.LINK_TEXT, name).click()
        assert browser.current_url == href
        assert browser.find_element(By.TAG_NAME, "h1").text == name
        assert browser.find_elements(By.ID, "error") == []
    browser.get(console.url("/ui"))
    cards = {card.find_element(By.CLASS_NAME, "muted").text: int(card.find_element(By.CLASS_NAME, "number").text)
             for card in browser.find_elements(By.CSS_SELECTOR, ".cards .card")}
    assert cards == {"DAGs": 4, "runs": 6, "assets": 4, "asset events": 6, "dead letters waiting": 2}


def test_a_dag_shows_its_condition_and_what_it_awaits_and_its_links_lead_to_runs_and_events(
        console, browser, screenshot):
    browser.get(console.url("/ui/dags"))
    screenshot("dags")
    dags = {cells(row)[0]: row for row in rows(browser, "dags", "dag")}
    assert list(dags) == ["audit_payments", "build_report", "load_customers", "load_orders"]
    report = cells(dags["build_report"])
    assert report[2] == "s3://lake/orders & s3://lake/customers"
    assert report[3] == "s3://lake/orders × 1" and report[4] == "s3://lake/customers"

    browser.find_element(By.LINK_TEXT, "build_report").click()
    screenshot("dag")
    assert [cells(row)[0] for row in browser.find_elements(By.CSS_SELECTOR, "table.events tr.event")] != []
    runs = browser.find_elements(By.CSS_SELECTOR, "table.runs tr.run")
    assert len(runs) == 1 and cells(runs[0])[3] == "success"

    runs[0].find_element(By.CLASS_NAME, "run-link").click()
    screenshot("run")
    tasks = [cells(row)[:2] for row in browser.find_elements(By.CSS_SELECTOR, "#tasks tr.task")]
    assert tasks == [["join", "success"], ["publish", "success"]]
    events = browser.find_elements(By.CSS_SELECTOR, "table.events tr.event")
    assert sorted(cells(row)[2] for row in events) == ["s3://lake/customers", "s3://lake/orders"]

    events[0].find_elements(By.TAG_NAME, "a")[0].click()  # the event's asset
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Asset ")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.events tr.event")) >= 1


def test_a_failed_run_shows_its_task_and_the_error(console, browser):
    browser.get(console.url("/ui/runs"))
    failed = [row for row in browser.find_elements(By.CSS_SELECTOR, "table.runs tr.run") if cells(row)[3] == "failed"]
    assert len(failed) == 1 and cells(failed[0])[0] == "audit_payments"
    failed[0].find_element(By.CLASS_NAME, "run-link").click()
    task = browser.find_element(By.CSS_SELECTOR, "#tasks tr.task")
    assert cells(task)[:2] == ["check", "failed"] and "p-2" in cells(task)[6]


def test_markup_in_the_store_is_shown_as_text(console, browser, screenshot):
    browser.get(console.url("/ui/assets"))
    screenshot("assets")
    browser.find_element(By.LINK_TEXT, "s3://lake/orders").click()
    screenshot("asset")
    extras = [row.find_element(By.TAG_NAME, "pre").text for row in
              browser.find_elements(By.CSS_SELECTOR, "table.events tr.event")]
    assert any("<b>bold</b> & <script>alert(1)</script>" in extra for extra in extras)
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.CSS_SELECTOR, "main b") == []


def test_the_watchers_page_shows_what_the_store_has(console, browser, screenshot):
    browser.get(console.url("/ui/watchers"))
    screenshot("watchers")
    assert browser.find_element(By.ID, "store-only").is_displayed()
    sources = [cells(row) for row in rows(browser, "sources", "source")]
    assert [row[:6] for row in sources] == [["payments_watcher", "payments", "2", sources[0][3], "2", "2"]]


def test_redrive_moves_the_letter_out_of_the_dead_letter_queue(console, browser, screenshot):
    browser.get(console.url("/ui/dead-letters"))
    screenshot("dead-letters")
    waiting = [row.get_attribute("data-letter-id") for row in rows(browser, "waiting", "letter")]
    assert len(waiting) == 2
    first = rows(browser, "waiting", "letter")[0]
    first.find_element(By.CSS_SELECTOR, "button.redrive").click()

    # The click submits a form; the browser follows the server's redirect after click() returns.
    redirected = console.url("/ui/dead-letters?redriven=" + waiting[0])
    WebDriverWait(browser, 10).until(expected_conditions.url_contains(redirected))
    assert browser.current_url.startswith(redirected)
    assert browser.find_element(By.ID, "flash").is_displayed()
    assert [row.get_attribute("data-letter-id") for row in rows(browser, "waiting", "letter")] == waiting[1:]
    assert [row.get_attribute("data-letter-id") for row in rows(browser, "redriven", "letter")] == waiting[:1]
    screenshot("dead-letters-redriven")

    # The message went back to the embedded queue its watcher reads.
    browser.get(console.url("/ui"))
    queues = {cells(row)[0]: cells(row)[1:] for row in browser.find_elements(By.CSS_SELECTOR, "#queues tr")[1:]}
    assert queues == {"payments": ["1", "0"]}
    with urllib.request.urlopen(console.url("/metrics"), timeout=10) as response:
        metrics = response.read().decode()
    assert 'eventide_dead_letters_waiting{source="payments_watcher"} 1.0' in metrics
    assert 'eventide_dead_letters_redriven_total{source="payments_watcher"} 1' in metrics


def test_a_redrive_from_another_site_is_refused(console, browser):
    request = urllib.request.Request(console.url("/ui/dead-letters/1/redrive"), data=b"csrf_token=forged", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 403
    browser.get(console.url("/ui/dead-letters"))
    assert len(rows(browser, "waiting", "letter")) == 2


def status_of(request):
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_the_tool_serves_the_rest_api_over_the_store_with_a_token(console_with_api):
    assert status_of(console_with_api.url("/api/v2/assets"))[0] == 401
    login = urllib.request.Request(
        console_with_api.url("/auth/token"), method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": "alice", "password": "alice-password"}).encode())
    status, body = status_of(login)
    assert status in (200, 201)
    assets = urllib.request.Request(
        console_with_api.url("/api/v2/assets"), headers={"Authorization": "Bearer " + body["access_token"]})
    status, body = status_of(assets)
    assert status == 200
    assert sorted(asset["uri"] for asset in body["assets"]) == [
        "eventide://queue/payments", "s3://lake/customers", "s3://lake/orders", "s3://lake/reports/daily"]
