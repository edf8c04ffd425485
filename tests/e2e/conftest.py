"""Browser journeys: the system's Chromium, driven by Playwright's sync API, against
pytest-django's ``live_server`` (a thread of this process, so ``mail.outbox`` sees its e-mail).

Every page a journey opens is watched: console messages and uncaught page errors are
collected, and ``assert_no_csp_violations`` fails the journey if any of them reports a
Content Security Policy violation (the policy would then be blocking something the portal
itself uses).
"""

import os

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# A belt to the console's braces: a CSP violation also fires `securitypolicyviolation` on the
# document; report it on the console in words the check below looks for. Playwright injects
# this through the DevTools protocol, so the page's own policy does not apply to it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "Content Security Policy violation: " + event.violatedDirective +
    " blocked " + (event.blockedURI || "inline") + " on " + document.location.pathname
  );
});
"""

CSP_MARKER = "content security policy"


class PageWatch:
    """What the pages of one journey said on the console or threw."""

    def __init__(self):
        self.messages: list[str] = []
        self.urls: list[str] = []

    def on_console(self, message) -> None:
        where = message.page.url if message.page else "?"
        self.messages.append(f"console.{message.type} on {where}: {message.text}")

    def on_page_error(self, error) -> None:
        self.messages.append(f"page error: {error}")

    def on_frame_navigated(self, frame) -> None:
        if frame.parent_frame is None:
            self.urls.append(frame.url)

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_MARKER in m.lower()]


@pytest.fixture(autouse=True)
def _allow_async_unsafe():
    """Playwright's sync API runs an event loop in the test's thread; without this Django
    refuses the ORM calls the test makes (factories, assertions) with SynchronousOnlyOperation.

    Set for the browser tests only and put back afterwards: set at import time it would leak
    into the rest of the suite and into the subprocesses some tests start (``manage.py check
    --deploy`` reports it as async.E001).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def page_watch():
    return PageWatch()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def _close_db_connections():
    """Close the connections the journey opened. Playwright's sync API switches greenlets,
    and Django keeps a connection per context: one opened by the test's own ORM calls (a
    factory, a TOTP code) can outlive the test and keep PostgreSQL from dropping the test
    database at the end of the run."""
    yield
    from django.db import connections

    connections.close_all()


@pytest.fixture
def page(context, page_watch, _close_db_connections):
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", page_watch.on_console)
    page.on("pageerror", page_watch.on_page_error)
    page.on("framenavigated", page_watch.on_frame_navigated)
    return page


@pytest.fixture
def open_page(browser, live_server, page_watch, _close_db_connections):
    """``open_page(**options)``: a watched page in a fresh browser context of its own (its own
    cookies: one person each), ``options`` going to ``browser.new_context`` (a viewport, no
    JavaScript); the contexts close at the end."""
    contexts = []

    def open_(**options):
        options.setdefault("accept_downloads", True)
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(20_000)
        context.add_init_script(_CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.on("console", page_watch.on_console)
        page.on("pageerror", page_watch.on_page_error)
        page.on("framenavigated", page_watch.on_frame_navigated)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def assert_no_csp_violations(page_watch):
    def check() -> None:
        violations = page_watch.csp_violations()
        assert not violations, (
            "The Content Security Policy blocked something on the pages visited "
            f"({', '.join(page_watch.urls)}):\n" + "\n".join(violations)
        )

    return check
