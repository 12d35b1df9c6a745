"""The web chat and kiosk mode in Debian's Chromium against the real stack (`macau-guide run`):
the trained model behind socket.io and the kiosk channel, the guide service's pages, history and
handoff codes. Each page's last state is saved as test-artifacts/screenshots/<test>[-n].png."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import yaml

from guide.settings import ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, keep_screenshots

pytestmark = pytest.mark.integration
REPLY = 45_000  # ms: a turn through the model, the actions and the recommender, on a busy machine
AIRPORT = "k-airport-arrivals"
DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


def said(response: str, lang: str) -> str:
    """The bot's words for a response in a language (its first text variation)."""
    for variant in DOMAIN["responses"][response]:
        if any(c.get("value") == lang for c in variant.get("condition", [])):
            return variant["text"]
    return DOMAIN["responses"][response][-1]["text"]


def tracker(demo, conversation_id: str) -> dict:
    url = f"{demo.rasa_url}/conversations/{conversation_id}/tracker?token={demo.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def user_events(demo, conversation_id: str) -> list[dict]:
    return [e for e in tracker(demo, conversation_id)["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package; the tests never download a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, request):
    """``open_page(url, **context options)``: a page in a fresh context; screenshots at the end."""
    contexts, pages, errors = [], [], []

    def open_(url: str, **options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "en-US", **options})
        context.set_default_timeout(REPLY)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{url}: {exc}"))
        page.goto(url)
        contexts.append(context)
        pages.append(page)
        return page

    yield open_
    keep_screenshots(request, pages)
    for context in contexts:
        context.close()
    assert not errors, errors  # no script error on any page


@pytest.fixture(scope="module")
def kiosk_token(demo) -> str:
    """A token for the airport kiosk, issued the way the office would: `macau-guide kiosk token`."""
    env = {**os.environ, "GUIDE_DATA_DIR": str(demo.var), "GUIDE_PORT": demo.guide_url.rsplit(":", 1)[1]}
    out = subprocess.run([sys.executable, "-m", "guide.cli", "kiosk", "token", AIRPORT], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    return re.search(rf"^({AIRPORT}\.\S+)$", out, re.M)[1]


def ask(page, text: str) -> None:
    before = page.locator(".msg.bot").count()
    page.get_by_label(re.compile("Message|訊息|消息|Mensagem")).fill(text)
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(before).wait_for()


# The lowest contrast of any visible text on the page against the background it sits on (WCAG's formula).
LOWEST_CONTRAST = """() => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const opaque = (c) => !/rgba\\(.*,\\s*0\\)$/.test(c) && c !== "transparent";
  const behind = (el) => { for (; el; el = el.parentElement) { const bg = getComputedStyle(el).backgroundColor;
    if (opaque(bg)) return bg; } return "rgb(255, 255, 255)"; };
  let lowest = [99, ""];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const [a, b] = [lum(getComputedStyle(el).color), lum(behind(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest[0]) lowest = [ratio, el.tagName + " " + el.textContent.trim().slice(0, 30)];
  }
  return lowest;
}"""


def test_web_chat_greets_answers_with_cards_and_keeps_the_conversation_over_a_reload(demo, open_page):
    page = open_page(f"{demo.guide_url}/")
    greeting = page.locator(".msg.bot").first
    greeting.wait_for()
    assert said("utter_greet", "en").split("!")[0] in greeting.inner_text()
    assert greeting.locator(".buttons button").count() >= 3  # quick replies
    for _ in range(12):  # the message field is reachable by keyboard alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "input":
            break
    assert page.evaluate("document.activeElement.id") == "input"
    assert page.get_by_role("log").count() == 1
    ask(page, "I love old churches")
    card = page.locator(".card").first
    card.wait_for()
    ratio, where = page.evaluate(LOWEST_CONTRAST)  # cards, badges, buttons and messages included
    assert ratio >= 7, f"contrast {ratio:.1f}:1 at {where}"
    name = card.locator("h3").inner_text()
    assert name and card.locator("a.map").get_attribute("href").startswith("https://www.openstreetmap.org/")
    conversation = page.evaluate("document.body.dataset.conversation")
    assert conversation.startswith("web-")
    page.reload()
    page.locator(".card h3", has_text=name).first.wait_for()
    assert page.locator(".msg.visitor", has_text="I love old churches").count() == 1
    assert page.evaluate("document.body.dataset.conversation") == conversation
    assert any(e["text"] == "I love old churches" for e in user_events(demo, conversation))


def test_a_quick_reply_and_the_language_picker(demo, open_page):
    page = open_page(f"{demo.guide_url}/")
    page.locator(".msg.bot .buttons button").first.wait_for()
    page.get_by_label("Language").select_option("pt")
    page.locator(".msg.bot", has_text=said("utter_greet", "pt")[:20]).wait_for()
    assert page.evaluate("document.documentElement.lang") == "pt"
    assert page.get_by_role("button", name="Enviar").is_visible()
    before = page.locator(".msg.bot").count()
    page.locator(".msg.bot").last.locator(".buttons button").first.click()  # "Recomendar" -> /recommend
    page.locator(".msg.bot").nth(before).wait_for()
    assert page.locator(".msg.visitor").count() == 1  # the button's title, shown as the visitor's words


def test_the_browsers_location_makes_near_me_mean_near_the_visitor(demo, open_page):
    senado = {"latitude": 22.1936, "longitude": 113.5395}
    page = open_page(f"{demo.guide_url}/", geolocation=senado, permissions=["geolocation"])
    page.locator("#locate[aria-pressed=true]").wait_for()
    page.locator(".msg.bot .buttons").first.wait_for()  # the greeting
    ask(page, "what is near me?")
    page.locator(".msg.bot", has_text="3.").wait_for()
    minutes = [int(m) for m in re.findall(r"\((\d+) min\)", page.locator("#log").inner_text())]
    assert minutes and min(minutes) <= 5 and max(minutes) <= 20  # walking distance from Senado Square
    conversation = page.evaluate("document.body.dataset.conversation")
    where = user_events(demo, conversation)[-1]["metadata"]["location"]
    assert (round(where["lat"], 4), round(where["lon"], 4)) == (22.1936, 113.5395)


PROBE = "probe" + "0123456789abcdef" * 2  # a kiosk session id: 128 random bits as hex, and more


def test_the_kiosk_channel_needs_the_kiosks_own_token_and_attaches_its_place(demo, kiosk_token):
    url = f"{demo.rasa_url}/webhooks/kiosk/webhook"

    def post(headers: dict, body: dict) -> tuple[int, object]:
        request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **headers})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    body = {"sender": PROBE, "message": "hello", "metadata": {"kiosk_id": "k-taipa-ferry",
                                                                      "location": {"lat": 0, "lon": 0}}}  # fmt: skip
    secret = kiosk_token.partition(".")[2]
    for headers in (
        {},
        {"Authorization": f"Bearer k-taipa-ferry.{secret}"},
        {"Authorization": "Bearer " + kiosk_token[:-2]},
    ):
        status, answer = post(headers, body)
        assert (status, answer["error"]["code"]) == (401, "unauthorized")
    status, answer = post({"Authorization": f"Bearer {kiosk_token}"}, {**body, "sender": "../x"})
    assert status == 400
    status, answer = post({"Authorization": f"Bearer {kiosk_token}"}, body)
    assert status == 200 and answer and answer[0]["recipient_id"] == f"kiosk-{AIRPORT}.{PROBE}"
    metadata = user_events(demo, f"kiosk-{AIRPORT}.{PROBE}")[-1]["metadata"]
    assert metadata["kiosk_id"] == AIRPORT and metadata["device"] == "screen"
    assert (metadata["location"]["lat"], metadata["location"]["lon"]) == (22.1577, 113.577)  # data/kiosks.yaml


def kiosk(open_page, demo, token: str):
    page = open_page(f"{demo.guide_url}/kiosk/{AIRPORT}#token={token}", viewport={"width": 1080, "height": 1600},
                     has_touch=True)  # fmt: skip
    page.wait_for_function("document.body.dataset.conversation")  # the script has started
    assert page.locator("#welcome").is_visible()
    assert "token" not in page.url  # read once, kept on the kiosk, gone from the address bar
    return page


def test_kiosk_language_buttons_near_this_kiosk_and_the_idle_reset(demo, open_page, kiosk_token):
    page = kiosk(open_page, demo, kiosk_token)
    page.locator("#welcome").get_by_role("button", name="Português").click()
    page.locator(".msg.bot", has_text=said("utter_greet", "pt")[:20]).wait_for()
    first = page.evaluate("document.body.dataset.conversation")
    ask(page, "o que há perto daqui?")
    page.locator(".msg.bot", has_text="1.").first.wait_for()  # sights near the airport, by ride time
    metadata = user_events(demo, first)[-1]["metadata"]
    assert metadata["kiosk_id"] == AIRPORT and metadata["language"] == "pt"
    # nobody touches the screen: it clears itself and starts a new conversation
    page.locator("#welcome").wait_for(state="visible", timeout=60_000)
    assert page.locator(".msg").count() == 0
    assert page.evaluate("document.body.dataset.conversation") != first


def test_continue_on_my_phone_moves_the_conversation_once(demo, open_page, kiosk_token):
    screen = kiosk(open_page, demo, kiosk_token)
    screen.locator("#welcome").get_by_role("button", name="简体中文").click()
    screen.locator(".msg.bot").first.wait_for()
    ask(screen, "推荐一些寺庙")
    screen.locator(".card").first.wait_for()
    sight = screen.locator(".card h3").first.inner_text()
    screen.get_by_role("button", name=re.compile("在手机上继续")).click()
    screen.locator("#qr-code svg").wait_for()
    link = screen.locator("#qr-code").get_attribute("data-url")
    assert link.startswith(f"{demo.guide_url}/?continue=")
    phone = open_page(link, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    phone.locator(".card h3", has_text=sight).first.wait_for()  # the kiosk's conversation, on the phone
    assert phone.locator(".msg.visitor", has_text="推荐一些寺庙").count() == 1
    kiosk_conversation = screen.evaluate("document.body.dataset.conversation")
    assert phone.evaluate("document.body.dataset.conversation") == kiosk_conversation
    assert phone.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )  # no sideways scrolling on a phone
    ask(phone, "谢谢")
    assert user_events(demo, kiosk_conversation)[-1]["text"] == "谢谢"
    screen.get_by_role("button", name="完成").click()  # nothing of it stays on the kiosk
    assert screen.locator(".msg").count() == 0 and screen.locator("#welcome").is_visible()
    again = open_page(link)
    again.locator("#status", has_text="cannot be used").wait_for()
    assert again.evaluate("document.body.dataset.conversation") != kiosk_conversation


def test_a_deal_on_a_kiosk_shows_the_payment_qr_code(demo, open_page, kiosk_token):
    page = kiosk(open_page, demo, kiosk_token)
    page.locator("#welcome").get_by_role("button", name="English").click()
    page.locator(".msg.bot").first.wait_for()
    ask(page, "any deals near Senado Square?")
    pay = page.locator(".msg.bot .buttons button", has_text=re.compile("Pay", re.I)).first
    pay.click()
    qr = page.locator(".msg.bot img.image").first
    qr.wait_for()
    assert "/qr.svg?key=" in qr.get_attribute("src") and qr.get_attribute("alt")  # named for screen readers
    assert page.locator("a.pay").count() == 0  # a kiosk shows the code to scan, not a link to tap
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
