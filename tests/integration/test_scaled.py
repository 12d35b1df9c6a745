"""The scaled stack (``make run-scaled``): replicas behind nginx on the machine's PostgreSQL and Redis.

Conversations under load lose and double no turn (read back from the PostgreSQL tracker store);
an office edit reaches both guide replicas' indexes; killing a replica of either service mid-load,
or restarting Redis or PostgreSQL, leaves conversations going on. The tests run in file order:
the restarts and kills come last and each leaves the stack serving again.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

from bench.common import ONE_MACHINE_LIMITS, free_port
from bench.load import Load, audit, drive, stored_turns
from guide.ops.scaled import scaled_stack
from guide.settings import Settings

pytestmark = pytest.mark.integration
CONVERSATIONS = 12


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    settings = Settings(port=free_port(), data_dir=tmp_path_factory.mktemp("scaled"),
                        database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/macau_guide_scaled_{tag}",
                        tracker_store_url=f"postgresql://postgres@127.0.0.1:5432/macau_guide_scaled_talks_{tag}",
                        rate_limits=ONE_MACHINE_LIMITS)  # fmt: skip
    replica_ports = ([free_port(), free_port()], [free_port(), free_port()])
    built = scaled_stack(settings, rasa_port=free_port(), simulator_port=free_port(), sandbox_port=free_port(),
                         replica_ports=replica_ports)  # fmt: skip
    built.replica_ports = replica_ports
    try:
        built.start(timeout=420)
    except Exception as exc:  # noqa: BLE001 - fail with the logs, never skip
        pytest.fail(f"the scaled stack did not start: {exc}")
    yield built
    built.stop()
    from bench.load import drop_databases

    drop_databases(built.settings)


def process(stack, name: str):
    return next(p for p in stack.processes if p.name == name)


def in_background(stack, conversations: int = CONVERSATIONS, rounds: int = 2) -> tuple[Load, threading.Thread]:
    load = Load(f"bg-{uuid.uuid4().hex[:8]}")
    thread = threading.Thread(target=lambda: asyncio.run(drive(stack.rasa_url, conversations, rounds=rounds,
                                                               load=load)))  # fmt: skip
    thread.start()
    return load, thread


def wait_for_turns(load: Load, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(load.answered) < n:
        assert time.monotonic() < deadline, f"only {len(load.answered)} turns answered: {load.turns[-3:]}"
        time.sleep(0.2)


def answered_after(load: Load, count_from: int) -> dict[str, int]:
    """Answered turns per conversation among those that finished after the first ``count_from``."""
    after: dict[str, int] = {}
    for turn in load.turns[count_from:]:
        if turn.ok:
            after[turn.sender] = after.get(turn.sender, 0) + 1
    return after


def check_store(stack, load: Load) -> dict:
    result = audit(load, stored_turns(stack.settings.tracker_url, load.prefix))
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    return result


def test_many_conversations_at_once_lose_and_double_nothing(stack):
    load = asyncio.run(drive(stack.rasa_url, CONVERSATIONS * 2))
    assert [t for t in load.turns if not t.ok] == []
    result = check_store(stack, load)
    assert result["conversations_stored"] == CONVERSATIONS * 2  # in PostgreSQL, not a replica's memory
    # Every language got real answers (not the fallback) from whichever replica took the turn.
    assert len(load.answered) == CONVERSATIONS * 2 * 5


def test_a_conversation_continues_whichever_replica_answers(stack):
    """The slot set on one turn (the sight) is used on the next, round robin over two replicas."""
    sender = f"slot-{uuid.uuid4().hex[:8]}"
    for _ in range(2):  # twice: whatever replica the first turn met, some turn met the other
        say(stack, sender, "Is the Ruins of St. Paul's crowded right now?")
        reply = say(stack, sender, "how do I get there?")
        assert "Ruins of St. Paul" in reply, reply


def say(stack, sender: str, text: str) -> str:
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": text}).encode())  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        return "\n".join(m.get("text", "") for m in json.loads(response.read()))


def search_cathedral(port: int) -> dict[str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/recommendations?q=cathedral&limit=5",
                                timeout=30) as response:  # fmt: skip
        return {item["id"]: item["name"] for item in json.loads(response.read())["items"]}


def test_an_office_edit_reaches_both_guide_replicas(stack):
    """Renames stream in through nginx while both replicas are searched directly: every single
    answer holds the Cathedral (an old or the new name), and both end on the last name."""
    token = subprocess.run(
        [sys.executable, "-m", "guide.cli", "admin", "create-token", "--role", "editor", "--name", "ana"],
        env={**os.environ, **stack.settings.as_env()}, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    url = f"{stack.guide_url}/api/v1/admin/attractions/hc-12-cathedral"
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    ports = stack.replica_ports[0]  # each replica directly, not through nginx
    names = {name for port in ports for name in search_cathedral(port).values()}
    edits = [f"Cathedral of the Scaled Edit {n}" for n in range(5)]
    names.update(edits)
    done, failed = threading.Event(), []

    def edit() -> None:
        try:
            for name in edits:
                with urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=30) as response:
                    record, etag = json.loads(response.read()), response.headers["ETag"]
                record["doc"]["names"]["en"] = name
                urllib.request.urlopen(urllib.request.Request(url, method="PUT", data=json.dumps(record["doc"]).encode(),
                                                              headers={**auth, "If-Match": etag}), timeout=30).close()  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            failed.append(exc)
        finally:
            done.set()

    editor = threading.Thread(target=edit)
    editor.start()
    answers = 0
    while not done.is_set():
        for port in ports:
            found = search_cathedral(port)
            answers += 1
            assert found.get("hc-12-cathedral") in names, f"replica on {port} answered without the Cathedral: {found}"
    editor.join()
    assert not failed, failed
    assert answers >= len(ports)
    for port in ports:
        deadline = time.monotonic() + 20
        while (found := search_cathedral(port)).get("hc-12-cathedral") != edits[-1]:
            assert found.get("hc-12-cathedral") in names, f"replica on {port} answered without the Cathedral: {found}"
            assert time.monotonic() < deadline, f"replica on {port} still recommends {found}"
            time.sleep(0.2)


def restart(command: list[str], check_up: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    deadline = time.monotonic() + 60
    while subprocess.run(check_up, capture_output=True).returncode:
        assert time.monotonic() < deadline, f"{check_up} never answered"
        time.sleep(0.5)


REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]  # fmt: skip


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, timeout=30)
    restart(REDIS_START, ["redis-cli", "-p", "6379", "ping"])


def restart_postgres() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    restart(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432"])  # fmt: skip


@pytest.mark.parametrize("outage", [restart_redis, restart_postgres], ids=["redis", "postgresql"])
def test_a_server_restart_mid_load_is_survived(stack, outage):
    load, thread = in_background(stack)
    wait_for_turns(load, CONVERSATIONS)
    try:
        outage()
    finally:  # whatever happened, leave the machine's servers running for the tests after us
        if subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True).returncode:
            subprocess.run(REDIS_START, capture_output=True)
    mark = len(load.turns)
    thread.join(300)
    assert not thread.is_alive()
    after = answered_after(load, mark)
    # Conversations go on after the restart: every visitor still talking got answers.
    still_talking = {t.sender for t in load.turns[mark:]}
    assert still_talking and set(after) == still_talking, [t for t in load.turns[mark:] if not t.ok][:3]
    check_store(stack, load)
    # Nothing stored before the restart went missing: the first turns are all still there.
    stored = stored_turns(stack.settings.tracker_url, load.prefix)
    assert all(stored.get(t.sender) for t in load.turns[:CONVERSATIONS] if t.ok)


@pytest.mark.parametrize("name", ["guide service 1", "dialogue server 1"])
def test_killing_a_replica_mid_load_leaves_conversations_going(stack, name):
    load, thread = in_background(stack)
    wait_for_turns(load, CONVERSATIONS)
    victim = process(stack, name)
    os.killpg(victim.popen.pid, signal.SIGKILL)
    victim.popen.wait(30)
    mark = len(load.turns)
    thread.join(300)
    assert not thread.is_alive()
    failed = [t for t in load.turns if not t.ok]
    # Only turns the dead replica was holding can fail: at most one per conversation.
    assert len(failed) <= CONVERSATIONS, failed[:3]
    after = answered_after(load, mark)
    assert len(after) == CONVERSATIONS, f"conversations stalled: {set(t.sender for t in load.turns) - set(after)}"
    check_store(stack, load)
    victim.start()  # back for the tests after this one
    deadline = time.monotonic() + 300
    while not victim.ready():
        assert time.monotonic() < deadline, victim.log_tail()
        time.sleep(1)
