"""WeChat Official Account: server-URL check and recorded XML messages, signed and forged."""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

from channels.senders import WECHAT
from tests.channels.conftest import WECHAT_TOKEN, payload

RECORDED_OPENID = "oKx1T5yJ8b0mZ3qLrN7sVwA2cD4e"
ACCOUNT = "gh_3f5e2a9b7c1d"
LONG_PAYLOAD = '/ask_crowd{"attraction": "ruins-of-st-pauls-and-the-mount-fortress-area"}'


def signed_query(token: str = WECHAT_TOKEN, timestamp: int | None = None, nonce: str | None = None, **extra) -> str:
    """The query WeChat adds to each request: SHA-1 of the sorted token, timestamp and nonce."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return urllib.parse.urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra})


def message(name: str, openid: str, **fields: str) -> bytes:
    """A recorded message from an openid of this test's own, with a fresh MsgId."""
    xml = payload(name).replace(RECORDED_OPENID, openid)
    xml = re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{uuid.uuid4().int % 10**17}</MsgId>", xml)
    for tag, value in fields.items():
        xml = re.sub(rf"<{tag}>.*?</{tag}>", f"<{tag}><![CDATA[{value}]]></{tag}>", xml, flags=re.S)
    return xml.encode()


def post(harness, body: bytes, query: str | None = None):
    query = signed_query(openid="x") if query is None else query
    return harness.request(f"{harness.path('wechat')}?{query}", body, {"Content-Type": "text/xml"})


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def pushed_to(apis, openid: str, count: int) -> list[dict]:
    def calls() -> list[dict]:
        return [c.body for c in apis.sent("wechat", "custom_send") if c.body["touser"] == openid]

    if count == 0:
        return calls()
    return apis.wait_for(lambda: len(calls()) >= count and calls()) or calls()


def reply_fields(text: str) -> dict:
    return {child.tag: child.text for child in ET.fromstring(text)}


def test_server_url_check_echoes_echostr(harness):
    answer = harness.request(f"{harness.path('wechat')}?{signed_query(echostr='5327309471983245')}")
    assert answer.status == 200
    assert answer.text == "5327309471983245"


@pytest.mark.parametrize("query", [
    signed_query(token="not-our-token", echostr="1"),
    signed_query(timestamp=int(time.time()) - 3600, echostr="1"),
    "echostr=1",
])  # fmt: skip
def test_server_url_check_with_a_forged_or_stale_signature_is_refused(harness, query):
    answer = harness.request(f"{harness.path('wechat')}?{query}")
    assert answer.status == 403
    assert answer.json()["error"]["status"] == 403  # not the echostr


def test_text_message_gets_a_passive_reply_with_numbered_options(harness, apis):
    openid = new_openid()
    answer = post(harness, message("wechat_text.xml", openid))
    assert answer.status == 200
    reply = reply_fields(answer.text)
    assert reply["ToUserName"] == openid and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text"
    assert reply["Content"].startswith("echo: 大三巴附近有什么好吃的？\n1. Opening hours\n2. Calmer places\n\nA-Ma Temple\nhttps://")
    [seen] = harness.seen(WECHAT + openid)
    assert seen["input_channel"] == "wechat"
    assert seen["metadata"] == {"device": "phone"}
    assert pushed_to(apis, openid, 0) == []

    # answering with an option's number is pressing that button
    assert post(harness, message("wechat_text.xml", openid, Content="2")).status == 200
    assert harness.seen(WECHAT + openid)[-1]["text"] == LONG_PAYLOAD


@pytest.mark.parametrize("forgery", ["wrong token", "stale", "no signature"])
def test_forged_or_stale_message_is_refused_and_never_reaches_the_bot(harness, apis, forgery):
    openid = new_openid()
    query = {"wrong token": signed_query(token="guessed"), "stale": signed_query(timestamp=int(time.time()) - 600),
             "no signature": "timestamp=1718265601&nonce=1"}[forgery]  # fmt: skip
    answer = post(harness, message("wechat_text.xml", openid), query)
    assert answer.status == 403
    assert answer.json()["error"]["code"] == "forbidden"
    time.sleep(0.3)
    assert harness.seen(WECHAT + openid) == []
    assert pushed_to(apis, openid, 0) == []


def test_replayed_signature_with_another_message_is_refused(harness):
    openid, query = new_openid(), signed_query()
    assert post(harness, message("wechat_text.xml", openid), query).status == 200
    forged = message("wechat_text.xml", openid, Content="我要付款")
    assert post(harness, forged, query).status == 403
    assert [m["text"] for m in harness.seen(WECHAT + openid)] == ["大三巴附近有什么好吃的？"]


def test_message_delivered_again_reaches_the_bot_once(harness):
    openid = new_openid()
    body = message("wechat_text.xml", openid)
    assert post(harness, body).status == 200
    again = post(harness, body)  # WeChat retries with the same MsgId when an answer is late
    assert again.status == 200 and again.text == "success"
    assert len(harness.seen(WECHAT + openid)) == 1


def test_location_message_brings_the_place_to_the_bot(harness):
    openid = new_openid()
    assert post(harness, message("wechat_location.xml", openid)).status == 200
    [seen] = harness.seen(WECHAT + openid)
    assert seen["text"] == "/nearby"
    assert seen["metadata"]["location"] == {"lat": 22.197461, "lon": 113.540937}


def test_subscribe_is_greeted_and_other_events_only_acknowledged(harness):
    openid = new_openid()
    answer = post(harness, message("wechat_subscribe.xml", openid))
    assert reply_fields(answer.text)["Content"].startswith("echo: /greet")
    left = post(harness, message("wechat_unsubscribe.xml", openid))
    assert left.status == 200 and left.text == "success"
    assert [m["text"] for m in harness.seen(WECHAT + openid)] == ["/greet"]


def test_voice_message_uses_wechats_recognition(harness):
    openid = new_openid()
    assert post(harness, message("wechat_voice.xml", openid)).status == 200
    assert [m["text"] for m in harness.seen(WECHAT + openid)] == ["澳门塔几点开门"]


def test_slow_bot_answers_success_at_once_then_pushes_by_customer_service(harness, apis):
    """The harness waits 1 s (GUIDE_WECHAT_REPLY_SECONDS) and its bot takes 2 s on "slow ..."."""
    openid, other = new_openid(), new_openid()
    started = time.monotonic()
    answer = post(harness, message("wechat_text.xml", openid, Content="slow 大三巴"))
    waited = time.monotonic() - started
    assert answer.status == 200 and answer.text == "success"
    assert waited < 1.9, "the answer waited for the slow bot"
    first, card = pushed_to(apis, openid, 2)
    assert first == {"touser": openid, "msgtype": "text",
                     "text": {"content": "echo: slow 大三巴\n1. Opening hours\n2. Calmer places"}}  # fmt: skip
    assert card["text"]["content"].startswith("A-Ma Temple\nhttps://www.openstreetmap.org/")

    # a second push uses the cached access token: no new /cgi-bin/token call
    tokens = len(apis.sent("wechat", "token"))
    assert post(harness, message("wechat_text.xml", other, Content="slow again")).text == "success"
    assert len(pushed_to(apis, other, 2)) == 2
    assert len(apis.sent("wechat", "token")) == tokens


def test_push_renews_an_access_token_wechat_rejects(harness, apis):
    openid = new_openid()
    post(harness, message("wechat_text.xml", openid, Content="slow once more"))
    assert pushed_to(apis, openid, 2)  # a token is held now
    apis.invalidate_wechat_token()
    tokens = len(apis.sent("wechat", "token"))
    post(harness, message("wechat_text.xml", openid, Content="slow after expiry"))
    assert len(pushed_to(apis, openid, 4)) == 4
    assert len(apis.sent("wechat", "token")) == tokens + 1
    assert apis.sent("wechat", "rejected")


def test_body_that_is_not_a_plaintext_message_is_a_400(harness):
    assert post(harness, b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>").status == 400
    assert post(harness, b"not xml").status == 400
    entity = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgType>text</MsgType><Content>&a;</Content></xml>'
    assert post(harness, entity).status == 400


def test_a_message_after_the_turn_is_pushed_by_customer_service(harness, apis):
    # e.g. "Payment received", sent by the guide through the dialogue server long after the visitor wrote
    openid = new_openid()
    body = json.dumps({"channel": "wechat", "sender": WECHAT + openid, "text": "已收到付款：MOP 22.00"}).encode()
    answer = harness.request(f"{harness.url}/_bot/later", body, {"Content-Type": "application/json"})
    assert answer.status == 200
    assert [m["text"]["content"] for m in pushed_to(apis, openid, 1)] == ["已收到付款：MOP 22.00"]
