"""Production takes no fake money (issue 17).

`make run` points every payment provider without settings at the payment sandbox it starts, so a
merchant whose provider was not configured still "took" payments: the visitor got a paid voucher
and no money moved. With ``GUIDE_ENV=production`` no provider goes to a sandbox, a sandbox (ours,
or sandbox credentials) refuses to start, and such a merchant's payments are refused instead.
"""

from __future__ import annotations

import pytest

from guide.app import create_app
from guide.ops import stack
from guide.payments import providers
from guide.settings import Settings, SettingsError
from payments.sandbox.credentials import CLIENT_ID, SP_MCHID
from tests.conftest import ACTION_TOKEN

EGG_TARTS = "p-egg-tart-pair"  # sold by m-sao-domingos-egg-tart-bakery, an Alipay+ merchant (data/)


@pytest.fixture
def no_rasa_needed(tmp_path, monkeypatch):
    for name in ("RASA_PYTHON", "MODEL"):  # the stack checks they exist; nothing is started here
        (tmp_path / name).touch()
        monkeypatch.setattr(stack, name, tmp_path / name)


@pytest.mark.parametrize(
    ("sandbox", "named"),
    [
        ({"payment_sandbox_url": "http://127.0.0.1:8400"}, "GUIDE_PAYMENT_SANDBOX_URL"),
        ({"alipayplus_url": "https://open-sea-global.alipay.com", "alipayplus_client_id": "SANDBOX_5YBY2N2Z2Y0S05047"},
         "GUIDE_ALIPAYPLUS_CLIENT_ID"),
        ({"alipayplus_url": "http://127.0.0.1:8400", "alipayplus_client_id": CLIENT_ID}, "GUIDE_ALIPAYPLUS_CLIENT_ID"),
        ({"wechatpay_url": "http://127.0.0.1:8400", "wechatpay_mchid": SP_MCHID}, "GUIDE_WECHATPAY_MCHID"),
    ],
)
def test_production_refuses_to_start_on_a_payment_sandbox(tmp_path, no_rasa_needed, sandbox, named):
    settings = Settings(data_dir=tmp_path / "var", env="production", action_token=ACTION_TOKEN, **sandbox)
    with pytest.raises(SettingsError, match=named):
        providers(settings)  # what the guide service builds at start (`macau-guide serve` checks before that)
    with pytest.raises(SettingsError, match=named):
        stack.prepare(settings, "http://127.0.0.1:5005")  # `make run` / `make run-scaled`
    Settings(data_dir=tmp_path / "var", **sandbox)  # the demo may


def test_an_unknown_environment_is_refused():
    with pytest.raises(SettingsError, match="GUIDE_ENV"):
        Settings.from_env({"GUIDE_ENV": "prod"})


async def test_in_production_a_merchant_without_provider_settings_takes_no_payment(tmp_path, no_rasa_needed,
                                                                                   aiohttp_client, fake_encoder):  # fmt: skip
    settings = Settings(data_dir=tmp_path / "var", env="production", action_token=ACTION_TOKEN)
    settings, helpers = stack.prepare(settings, "http://127.0.0.1:5005")  # as `make run` wires it
    assert not settings.alipayplus_url and not settings.payment_sandbox_url
    assert "payment sandbox" not in [p.name for p in helpers]
    client = await aiohttp_client(create_app(settings, encoder=fake_encoder))
    response = await client.post("/api/v1/payments/orders", json={"promotion_id": EGG_TARTS},
                                 headers={"Idempotency-Key": "tap-0001-abcd-5f0c2a9e-7d41"})  # fmt: skip
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "provider_off"


def test_the_demo_still_pays_every_merchant_at_the_sandbox(tmp_path, no_rasa_needed):
    settings, helpers = stack.prepare(Settings(data_dir=tmp_path / "var"), "http://127.0.0.1:5005")
    assert settings.alipayplus_url == settings.payment_sandbox_url and "payment sandbox" in [p.name for p in helpers]
