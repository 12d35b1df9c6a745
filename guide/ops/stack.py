"""Start the dialogue server and the guide service together, wait for both, stop both.

Used by ``make run`` (``macau-guide run``), the integration tests and the benchmarks. Each child
runs in its own process group and is told to die with us, so Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from channels import logformat
from guide.kiosk_registry import KioskRegistry
from guide.ops import rasa_credentials, rasa_endpoints
from guide.payments import refuse_sandbox
from guide.settings import ROOT, Settings, kiosk_registry_path
from payments.sandbox.credentials import CLIENT_ID, MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID, ensure_keys

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL = ROOT / "bot" / "models" / "current.tar.gz"
_PR_SET_PDEATHSIG = 1


DEMO_KIOSK = "k-airport-arrivals"


class StackError(RuntimeError):
    """A process of the stack could not start or died."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str
    log_path: Path
    popen: subprocess.Popen | None = field(default=None, repr=False)
    after: str = ""
    """Name of a process that must answer before this one starts (replicas that would race to create tables)."""

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        except ProcessLookupError:
            pass


def _demo_payments(settings: Settings, sandbox_url: str) -> Settings:
    """Providers not configured go to the payment sandbox the stack starts (the demo has no real ones)."""
    keys = ensure_keys(settings.sandbox_keys_dir)
    demo: dict[str, str] = {}
    if not settings.payment_sandbox_url:
        demo["payment_sandbox_url"] = sandbox_url
    if not settings.alipayplus_url:
        demo.update(alipayplus_url=sandbox_url, alipayplus_client_id=CLIENT_ID, alipayplus_key_file=str(keys.merchant),
                    alipayplus_public_key_file=str(keys.alipayplus_public))  # fmt: skip
    if not settings.wechatpay_url:
        demo.update(wechatpay_url=sandbox_url, wechatpay_mchid=SP_MCHID, wechatpay_appid=SP_APPID,
                    wechatpay_serial=MERCHANT_SERIAL, wechatpay_key_file=str(keys.merchant),
                    wechatpay_platform_serial=PLATFORM_SERIAL, wechatpay_platform_key_file=str(keys.wechatpay_public),
                    wechatpay_apiv3_key=keys.apiv3_key)  # fmt: skip
    return replace(settings, **demo)


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GUIDE_")}


def prepare(settings: Settings, rasa_url: str, log_dir: Path | None = None, simulator_port: int | None = None,
            sandbox_port: int | None = None) -> tuple[Settings, list[Process]]:  # fmt: skip
    """The demo's settings (crowd feed, payment sandbox, tokens) and its helper processes.

    Settings that are already set win: production points at real feeds and providers. With
    GUIDE_ENV=production no provider goes to the sandbox and no sandbox runs: a merchant whose
    provider has no settings takes no payment.
    """
    rasa_endpoints.check(settings)
    refuse_sandbox(settings)
    sandbox_port = sandbox_port or int(os.environ.get("PAYMENT_SANDBOX_PORT", "8400"))
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    simulator_port = simulator_port or int(os.environ.get("SIMULATOR_PORT", "8300"))
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    if not settings.crowd_feed_url:  # the demo's crowds move: poll the simulator
        settings = replace(settings, crowd_feed_url=f"{simulator_url}/feed.json", crowd_feed_interval=30.0)
    log_dir = log_dir or settings.data_dir / "logs"
    if not settings.production:
        settings = _demo_payments(settings, sandbox_url)
    settings = replace(settings, rasa_url=settings.rasa_url or rasa_url,
                       rasa_token=settings.rasa_token or secrets.token_urlsafe(24),
                       action_token=settings.action_token or secrets.token_urlsafe(24))  # fmt: skip
    if not RASA_PYTHON.exists():
        raise StackError(f"{RASA_PYTHON} is missing: run `make venv-rasa` (or `make run`) first")
    if not MODEL.exists():
        raise StackError(f"{MODEL} is missing: run `make model` (or `make run`) first")
    base = _base_env()
    support = [
        Process(
            "crowd simulator",
            [sys.executable, "-m", "guide.cli", "simulate-crowd", "--port", str(simulator_port)],
            {**base, "GUIDE_SEED_DIR": str(settings.seed_dir), "GUIDE_CLOCK_START": settings.clock_start},
            f"{simulator_url}/healthz",
            log_dir / "simulator.log",
        ),
    ]
    if not settings.production:
        support.append(Process(
            "payment sandbox",
            [sys.executable, "-m", "guide.cli", "payment-sandbox", "--port", str(sandbox_port)],
            {**base, "GUIDE_DATA_DIR": str(settings.data_dir), "GUIDE_PAYMENT_SANDBOX_KEYS": str(settings.sandbox_keys_dir)},
            f"{sandbox_url}/healthz",
            log_dir / "sandbox.log",
        ))
    return settings, support


def guide_process(name: str, settings: Settings, log_path: Path) -> Process:
    """``macau-guide serve`` on ``settings.host:settings.port``."""
    return Process(name, [sys.executable, "-m", "guide.cli", "serve"], {**_base_env(), **settings.as_env()},
                   f"http://127.0.0.1:{settings.port}/healthz", log_path)  # fmt: skip


def _local(host: str) -> str:
    """Where this machine reaches a server listening on ``host``."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else f"[{host}]" if ":" in host else host


def dialogue_process(name: str, settings: Settings, port: int, action_url: str, log_path: Path) -> Process:
    """The dialogue server (Rasa) with the channels and endpoints these settings make."""
    credentials = rasa_credentials.write(settings, settings.data_dir / "credentials.yml")
    endpoints = rasa_endpoints.write(settings, settings.data_dir / "endpoints.yml")
    env = {
        **_base_env(),
        **rasa_endpoints.environment(settings),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": action_url,
        "ACTION_ENDPOINT_TOKEN": settings.action_token,
        "RASA_TOKEN": settings.rasa_token,  # not --auth-token: a command line is readable by every user
        "SANIC_WORKERS": str(settings.dialogue_workers),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    argv = [
        # `rasa run` with our fixes (channels/dialogue_server.py). Only this machine reaches it unless
        # GUIDE_DIALOGUE_HOST says otherwise; only the guide's pages may call it from a browser (the kiosk does).
        str(RASA_PYTHON), "-m", "channels.dialogue_server", "run", "--model", str(MODEL),
        "--interface", settings.dialogue_host, "--port", str(port),
        "--endpoints", str(endpoints), "--credentials", str(credentials),
        "--cors", *settings.dialogue_cors, "--enable-api",
    ]  # fmt: skip
    if settings.log_format == "json":  # the dialogue server's lines in the guide's shape, without personal data
        config = settings.data_dir / "rasa-logging.yml"
        config.write_text(yaml.safe_dump(logformat.logging_config(settings.log_level)), encoding="utf-8")
        argv += ["--logging-config-file", str(config)]
    return Process(name, argv, env, f"http://{_local(settings.dialogue_host)}:{port}/", log_path)


@dataclass
class Stack:
    processes: list[Process]
    rasa_url: str
    guide_url: str
    sandbox_url: str = ""
    rasa_token: str = ""
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings, rasa_port: int | None = None, log_dir: Path | None = None,
                      simulator_port: int | None = None, sandbox_port: int | None = None) -> Stack:  # fmt: skip
        rasa_port = rasa_port or int(os.environ.get("RASA_PORT", "5005"))
        guide_url = f"http://127.0.0.1:{settings.port}"
        rasa_url = f"http://{_local(settings.dialogue_host)}:{rasa_port}"
        settings, support = prepare(settings, rasa_url, log_dir, simulator_port, sandbox_port)
        log_dir = log_dir or settings.data_dir / "logs"
        return cls(
            processes=[
                *support,
                guide_process("guide service", settings, log_dir / "guide.log"),
                dialogue_process("dialogue server", settings, rasa_port, f"{guide_url}/webhook", log_dir / "rasa.log"),
            ],
            rasa_url=rasa_url,
            guide_url=guide_url,
            sandbox_url=settings.payment_sandbox_url,
            rasa_token=settings.rasa_token,
            settings=settings,
        )

    def start(self, timeout: float = 240) -> None:
        """Start every process and return once all answer; raise StackError otherwise."""
        for process in self.processes:
            if process.ready():
                raise StackError(f"{process.ready_url} already answers: stop what runs there or change the port")
        pending = [p for p in self.processes if p.after]
        for process in self.processes:
            if not process.after:
                process.start()
        deadline = time.monotonic() + timeout
        waiting = list(self.processes)
        while waiting:
            for process in list(pending):
                if process.after not in {p.name for p in waiting}:
                    process.start()
                    pending.remove(process)
            for process in list(waiting):
                if process in pending:
                    continue
                if process.popen is not None and process.popen.poll() is not None:
                    self.stop()
                    raise StackError(f"the {process.name} exited; its log ends:\n{process.log_tail()}")
                if process.ready():
                    waiting.remove(process)
            if waiting and time.monotonic() > deadline:
                self.stop()
                raise StackError(f"not ready after {timeout:.0f} s: {', '.join(p.name for p in waiting)}")
            time.sleep(0.5)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def demo_kiosk_url(self) -> str:
        """The airport kiosk of the demo, opened with its token (kept in the data dir)."""
        assert self.settings is not None
        registry = KioskRegistry(kiosk_registry_path(self.settings))
        token = registry.demo_token(DEMO_KIOSK, self.settings.data_dir / "kiosk-demo-token")
        return f"{self.guide_url}/kiosk/{DEMO_KIOSK}#token={token}" if token else "(no kiosk in the knowledge base)"

    def run_forever(self) -> None:
        """``make run``: start, print the URLs, stop everything on Ctrl-C or SIGTERM."""

        def _stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        # Installed explicitly: a shell that starts us in the background leaves SIGINT ignored.
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        print("starting the guide service and the dialogue server (the model takes about a minute to load)...")
        try:
            self.start()
            kiosk = self.demo_kiosk_url()
            database = self.settings.database_url if self.settings else ""
            token_cmd = (f"GUIDE_DATABASE_URL={database} " if database else "") + ".venv/bin/macau-guide admin create-token"
            print(
                "\nMacau guide is running:\n"
                f"  chat (REST):      curl -s {self.rasa_url}/webhooks/rest/webhook "
                "-d '{\"sender\":\"me\",\"message\":\"I love old churches\"}'\n"
                f"  chat (socket.io): {self.rasa_url}/socket.io\n"
                f"  web chat:         {self.guide_url}/\n"
                f"  airport kiosk:    {kiosk}\n"
                f"  guide API:        {self.guide_url}/api/v1/recommendations?q=temples\n"
                f"  attractions:      {self.guide_url}/api/v1/attractions\n"
                f"  crowds now:       {self.guide_url}/api/v1/crowd\n"
                + (f"  payment sandbox:  {self.sandbox_url}  (deals' pay buttons pay here; no money moves)\n"
                   if self.sandbox_url else "")
                + f"  admin UI:         {self.guide_url}/admin  (token: {token_cmd} --role editor)\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
            while True:
                for process in self.processes:
                    if process.popen is not None and process.popen.poll() is not None:
                        raise StackError(f"the {process.name} exited; its log ends:\n{process.log_tail()}")
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping...", flush=True)
        finally:
            self.stop()
