"""The staff page in a real browser (Debian's headless Chromium driven by Playwright)."""
import os
import shutil
import socket
import threading
import time

import pytest

from conftest import WATER

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("SDGTAGGER_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture
def server(tmp_path, tiny_tagger):
    import uvicorn

    from service.app import create_app
    from service.settings import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", api_keys="k"), tagger=tiny_tagger)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : installez les paquets Debian chromium et chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser.new_page()
        browser.close()


def test_staff_tags_corrects_saves_and_finds_a_water_project(server, page):
    page.goto(server + "/")
    page.get_by_label("Titre du projet").fill("Eau potable à Kayes")
    page.get_by_label("Description").fill(WATER)
    page.get_by_role("button", name="Analyser").click()

    tile6 = page.locator('.tile[data-goal="6"] input')
    tile6.wait_for(state="visible")
    page.wait_for_function("document.querySelector('.tile[data-goal=\"6\"] input').checked")
    assert page.locator("#texte mark").count() > 0, "evidence words are highlighted"
    colours = page.locator(".tile").evaluate_all(
        "tiles => tiles.map(t => [getComputedStyle(t).color, getComputedStyle(t).backgroundColor])")
    assert all(ink != background for ink, background in colours), "every tile's text is readable"

    tagged = [int(v) for v in page.locator('input[name="odd"]:checked').evaluate_all("els => els.map(e => e.value)")]
    removed = next(g for g in tagged if g != 6) if len(tagged) > 1 else None
    if removed:
        page.locator(f'.tile[data-goal="{removed}"] input').uncheck()
    page.locator('.tile[data-goal="5"] input').check()
    page.get_by_label("Objectif principal").select_option("6")
    page.get_by_role("button", name="Enregistrer dans le registre").click()
    page.wait_for_selector("#message.ok >> text=enregistré")

    page.goto(server + "/registre?q=Kayes")
    row = page.locator("table.register tbody tr").first
    assert "Eau potable à Kayes" in row.inner_text()
    assert "Validé" in row.inner_text()
    chips = [int(c) for c in row.locator(".chip").all_inner_texts()]
    assert chips[0] == 6 and 5 in chips and (removed is None or removed not in chips)
