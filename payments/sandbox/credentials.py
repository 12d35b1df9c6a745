"""The sandbox's credentials: key pairs for us and for each provider, made once per folder.

Real deployments get their keys from the providers' consoles (settings name the files); the
demo and the tests make a throw-away set here, which the guide service and the sandbox share.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from knowledge.private_files import write_private
from payments import signing

CLIENT_ID = "SANDBOX_MACAU_GUIDE"  # our Alipay+ client id at the sandbox
SP_MCHID = "1900000100"  # our WeChat Pay service-provider merchant id at the sandbox
SP_APPID = "wx5a9f0c7e2b41d3c8"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_SERIAL = "7132D72A03E93CDDF8C03BBD1F37EEDF34A3EEF2"


@dataclass(frozen=True)
class SandboxKeys:
    folder: Path

    @property
    def merchant(self) -> Path:  # ours: the sandbox checks our requests with merchant.pub.pem
        return self.folder / "merchant.pem"

    @property
    def merchant_public(self) -> Path:
        return self.folder / "merchant.pub.pem"

    @property
    def alipayplus(self) -> Path:
        return self.folder / "alipayplus.pem"

    @property
    def alipayplus_public(self) -> Path:
        return self.folder / "alipayplus.pub.pem"

    @property
    def wechatpay(self) -> Path:
        return self.folder / "wechatpay.pem"

    @property
    def wechatpay_public(self) -> Path:
        return self.folder / "wechatpay.pub.pem"

    @property
    def apiv3_key(self) -> str:
        return (self.folder / "apiv3.key").read_text().strip()


def ensure_keys(folder: Path) -> SandboxKeys:
    """Make (once) and return the sandbox credentials in ``folder``."""
    for name in ("merchant", "alipayplus", "wechatpay"):
        signing.new_key_pair(folder, name)
    apiv3 = folder / "apiv3.key"
    if not apiv3.exists():
        write_private(apiv3, secrets.token_hex(16))  # 32 characters, as WeChat Pay's APIv3 key
    return SandboxKeys(folder)
