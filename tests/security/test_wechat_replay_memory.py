"""WeChat messages are refused while their replay memory is unreachable (issue 17).

WeChat signs the query (token, timestamp, nonce), not the body, so a captured query can carry any
body for five minutes; only the memory of seen nonces (Redis, shared by the replicas) tells the
genuine message from a forged one sent with its query. When Redis was down that memory was
skipped and every message taken as new: a forged body went to the bot. Now a message whose replay
cannot be checked is refused with 503 and WeChat sends it again later.
"""

from __future__ import annotations

from dataclasses import replace

from bench.common import free_port
from channels.senders import WECHAT
from tests.channels.conftest import start_harness, stop_harness
from tests.channels.test_wechat import message, new_openid, post, pushed_to, signed_query


def test_a_message_whose_nonce_cannot_be_checked_is_refused_and_never_reaches_the_bot(channel_settings, apis,
                                                                                       tmp_path):  # fmt: skip
    redis_down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings = replace(channel_settings, lock_store_url=redis_down)
    harness = start_harness(settings, free_port(), tmp_path)
    try:
        openid, query = new_openid(), signed_query()
        genuine = post(harness, message("wechat_text.xml", openid), query)
        forged = post(harness, message("wechat_text.xml", openid, Content="我要付款"), query)  # the same query
        for answer in (genuine, forged):
            assert answer.status == 503
            assert answer.json()["error"]["code"] == "unavailable"
        assert harness.seen(WECHAT + openid) == []
        assert pushed_to(apis, openid, 0) == []
    finally:
        stop_harness(harness)
