"""Fixtures of the browser test (`make e2e`): one `make lab` server and one headless Chromium per session.

`make test` runs in the learners' environment, which has no Playwright: there this folder is not collected.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from . import lab_server

SCREENSHOTS = lab_server.ROOT / "e2e-screenshots"  # for a person to look at; git-ignored
VIEWPORT = {"width": 1280, "height": 900}

if importlib.util.find_spec("playwright") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """`make lab` serving a throwaway copy of the course, with a throwaway WORKBOOK_HOME."""
    if shutil.which("make") is None or not lab_server.PYTHON.exists():
        pytest.skip("needs make and the learners' .venv (`make e2e` creates both)")
    server = lab_server.start(tmp_path_factory.mktemp("e2e"))
    yield server
    lab_server.stop(server)


@pytest.fixture(scope="session")
def browser():
    """The system's Chromium, headless, driven by Playwright (which never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.skip("no Chromium: run `make e2e`, which says how to install it, or set CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser profile for the session: the token given once is remembered, as in a learner's browser."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(context, lab):
    """A fresh tab; afterwards every kernel is shut down, so each notebook starts its own sandbox."""
    tab = context.new_page()
    yield tab
    tab.close()
    lab.shut_down_kernels()


@pytest.fixture(scope="session")
def screenshots():
    """e2e-screenshots/, emptied at the start of each run."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir()
    return SCREENSHOTS
