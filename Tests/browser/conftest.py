"""Fixtures of the console's browser tests: `eventide-console` on a store seeded by its demo, and headless Chromium.

Every process started here is stopped by its PID, with bounded waits. The console binary is
`.build/debug/eventide-console` unless EVENTIDE_CONSOLE names another; chromium and chromedriver come from Debian
(scripts/setup installs them). EVENTIDE_CONSOLE_SCREENSHOTS=<folder> saves the pages as PNG files there (the docs'
pictures: `EVENTIDE_CONSOLE_SCREENSHOTS=docs/images/console python3 -m pytest Tests/browser`).
"""
import os
import pathlib
import queue
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONSOLE = pathlib.Path(os.environ.get("EVENTIDE_CONSOLE", ROOT / ".build" / "debug" / "eventide-console"))
LISTENING = "eventide-console: serving "
START_TIMEOUT = 60  # seconds: the demo runs a small runtime before the server listens


class Console:
    """An `eventide-console --demo-seed` process on a new store in a temporary folder."""

    def __init__(self, arguments=(), environment=None):
        if not CONSOLE.is_file():
            pytest.fail(f"{CONSOLE} is not built; run `swift build --product eventide-console` first")
        self.folder = tempfile.mkdtemp(prefix="eventide-console-")
        self.db = os.path.join(self.folder, "demo.sqlite")
        self.log = open(os.path.join(self.folder, "stderr.txt"), "w+")
        self.process = subprocess.Popen(
            [str(CONSOLE), "--db", self.db, "--demo-seed", "--port", "0", *arguments],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env={**os.environ, **(environment or {})})
        self.base_url = self._wait_until_listening()

    def _wait_until_listening(self):
        """Reads the console's output on a thread (a blocking read with a bounded wait here) until it listens."""
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    pytest.fail(f"eventide-console exited with {self.process.returncode}: {self.log.read()}")
                continue
            if line.startswith(LISTENING):
                return line.strip().split(" at ", 1)[1].rsplit("/ui", 1)[0]
        self.stop()
        pytest.fail(f"eventide-console did not listen within {START_TIMEOUT} s")

    def url(self, path):
        return self.base_url + path

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, 15)  # SIGTERM: a graceful shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, 9)
                self.process.wait(timeout=10)
        self.process.stdout.close()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def console():
    server = Console()
    yield server
    server.stop()


@pytest.fixture
def console_with_api():
    """The console serving Airflow's REST API too, for the viewer `alice` (secrets through the environment)."""
    server = Console(["--api-user", "alice:viewer"],
                     {"EVENTIDE_API_SECRET": "s" * 40, "EVENTIDE_API_PASSWORD_ALICE": "alice-password"})
    yield server
    server.stop()


@pytest.fixture
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromedriver are not installed; run scripts/setup")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1440,1000", "--hide-scrollbars"]:
        options.add_argument(argument)
    service = Service(executable_path=driver_path)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()  # ends the browser, then chromedriver (the service) by its process
        service.stop()


@pytest.fixture
def screenshot(browser):
    """Saves the current page as <name>.png when EVENTIDE_CONSOLE_SCREENSHOTS names a folder; else does nothing."""
    folder = os.environ.get("EVENTIDE_CONSOLE_SCREENSHOTS")

    def save(name):
        if not folder:
            return
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1440, max(600, min(int(height) + 20, 2400)))
        browser.save_screenshot(os.path.join(folder, f"{name}.png"))
        browser.set_window_size(1440, 1000)

    return save
