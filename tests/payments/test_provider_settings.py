"""Providers made from settings: WeChat Pay's platform keys, one (as before) or several by serial."""

from __future__ import annotations

import pytest

from guide.payments import providers
from guide.settings import Settings, SettingsError
from payments import signing
from payments.provider import NotificationRejected
from payments.sandbox.credentials import MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID
from tests.payments.test_adapters import NOW, PUBLIC_KEY_ID, wechat_notice, wechat_signed


def wechat_settings(keys, serials: str, files: str) -> Settings:
    return Settings(wechatpay_url="http://unused", wechatpay_mchid=SP_MCHID, wechatpay_appid=SP_APPID,
                    wechatpay_serial=MERCHANT_SERIAL, wechatpay_key_file=str(keys.merchant),
                    wechatpay_platform_serial=serials, wechatpay_platform_key_file=files,
                    wechatpay_apiv3_key=keys.apiv3_key)  # fmt: skip


def test_one_platform_serial_and_key_file_work_as_before(keys):
    adapter = providers(wechat_settings(keys, PLATFORM_SERIAL, str(keys.wechatpay_public)))["wechatpay"]
    raw = wechat_notice(keys)
    assert adapter.verify("POST", "/n", wechat_signed(keys, raw), raw, NOW).outcome == "paid"


def test_comma_separated_serials_and_key_files_each_check_their_own_notifications(keys, tmp_path):
    new_private, new_public = signing.new_key_pair(tmp_path, "wechatpay-public-key")
    settings = wechat_settings(keys, f"{PLATFORM_SERIAL}, {PUBLIC_KEY_ID}", f"{keys.wechatpay_public},{new_public}")
    adapter = providers(settings)["wechatpay"]
    raw = wechat_notice(keys)
    assert adapter.verify("POST", "/n", wechat_signed(keys, raw), raw, NOW).outcome == "paid"
    new = wechat_signed(keys, raw, key_path=new_private, serial=PUBLIC_KEY_ID)
    assert adapter.verify("POST", "/n", new, raw, NOW).outcome == "paid"
    with pytest.raises(NotificationRejected):  # the new key's signature under the certificate's serial
        adapter.verify("POST", "/n", {**new, "Wechatpay-Serial": PLATFORM_SERIAL}, raw, NOW)


@pytest.mark.parametrize("serials, files, says", [
    (f"{PLATFORM_SERIAL},{PUBLIC_KEY_ID}", "{pub}", "2 serial"),
    (PLATFORM_SERIAL, "{pub},{pub}", "2 file"),
    ("", "{pub}", "0 serial"),
    (f"{PLATFORM_SERIAL},{PLATFORM_SERIAL.lower()}", "{pub},{pub}", "twice"),
])  # fmt: skip
def test_platform_settings_that_do_not_pair_up_are_refused_with_what_to_do(keys, serials, files, says):
    with pytest.raises(SettingsError, match=says):
        providers(wechat_settings(keys, serials, files.format(pub=keys.wechatpay_public)))
