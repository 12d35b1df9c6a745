"""Who reaches what in the cluster (issue 17): the Ingress routes only what the public must reach,
and the network policies admit to each pod's port only the pods and namespaces it serves.

The Ingress used to send everything on the host to the guide, ``/webhook`` (the action endpoint),
``/webhook/actions`` and ``/metrics`` (sales counts) included, and every ``/webhooks/...`` path
to the dialogue server, its ``/webhooks/metrics/`` included; nothing limited who inside the
cluster could call the action endpoint, PostgreSQL or Redis. The routes checked here are the
services' own: every route of the guide's router, every channel of the dialogue server's
credentials, so a new route is classified the day it is added.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from guide.app import create_app
from guide.ops import rasa_credentials
from guide.settings import ROOT, Settings
from tests.deploy.manifests import container, get, of_kind, pod_template, settings_env

# Reached only inside the cluster, never through the Ingress.
INTERNAL = {"/webhook": "the action endpoint", "/webhook/actions": "the action list",
            "/metrics": "order and payment counts", "/healthz": "the probes' page"}  # fmt: skip
# Rasa's HTTP API (token) and its health page: the guide calls them inside the cluster.
RASA_API = ["/conversations/c1/tracker/events", "/conversations/c1/messages", "/model/parse", "/model", "/status",
            "/version", "/webhooks/socketio/"]  # fmt: skip
INGRESS_CONTROLLER = "namespace:ingress-nginx"
PROMETHEUS = "namespace:monitoring"
# Every messaging channel on, so each one's webhook is checked.
ALL_CHANNELS = Settings(telegram_token="123456:ABC", twilio_account_sid="AC" + "0" * 32, twilio_auth_token="t",
                        twilio_whatsapp_number="+85360000000", wechat_app_id="wx1", wechat_app_secret="s",
                        wechat_token="t")  # fmt: skip


# --- the Ingress, as Kubernetes matches paths ------------------------------------------------


def elements(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def routed(objects: list[dict], path: str) -> tuple[str, str] | None:
    """(service, port) the ingress controller sends ``path`` to, or None (its 404): the longest
    matching path wins, Exact before Prefix, and Prefix matches whole ``/``-separated elements."""
    best: tuple[tuple[int, int], tuple[str, str]] | None = None
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                kind, prefix = entry["pathType"], entry["path"]
                if kind == "Exact":
                    matches = path == prefix
                else:
                    assert kind == "Prefix", f"{prefix}: pathType {kind} is up to the controller; use Exact or Prefix"
                    matches = elements(path)[: len(elements(prefix))] == elements(prefix)
                backend = entry["backend"]["service"]
                rank = (len(prefix.rstrip("/")), kind == "Exact")
                if matches and (best is None or rank > best[0]):
                    best = rank, (backend["name"], backend["port"].get("name") or backend["port"].get("number"))
    return best[1] if best else None


def guide_routes() -> list[tuple[str, str]]:
    """(pattern, a path it serves) for every route of the guide service."""
    found = []
    for resource in create_app(Settings()).router.resources():
        sample = re.sub(r"\{[^}]+\}", "x", resource.canonical)
        found.append((resource.canonical, sample + "/x.js" if isinstance(resource, web.StaticResource) else sample))
    return found


def channel_names() -> dict[str, str]:
    """Rasa's name of each channel of the dialogue server (its webhooks are /webhooks/<name>/...)."""
    names = {}
    for path in rasa_credentials.render(ALL_CHANNELS):
        module = ROOT / (path.rsplit(".", 1)[0].replace(".", "/") + ".py")
        (name,) = set(re.findall(r'def name\(cls\)[^:]*:\s+return "(\w+)"', module.read_text()))
        names[path] = name
    return names


def test_the_ingress_routes_every_public_route_of_the_guide_and_none_of_its_internal_ones(objects):
    routes = guide_routes()
    assert set(INTERNAL) <= {pattern for pattern, _ in routes}, "an internal route is gone: update INTERNAL"
    for pattern, path in routes:
        if pattern in INTERNAL:
            assert routed(objects, path) is None, f"{path} ({INTERNAL[pattern]}) is reachable from the internet"
        else:
            assert routed(objects, path) == ("guide", "http"), f"{pattern} does not reach the guide's public port"


def test_the_ingress_routes_the_chat_channels_but_not_the_dialogue_servers_api_or_metrics(objects):
    socket_path = re.search(r'io\([^)]*path:\s*"([^"]+)"', (ROOT / "guide/static/chat/chat.js").read_text())[1]
    assert routed(objects, f"{socket_path}/") == ("dialogue", "http")
    names = channel_names()
    assert {"rest", "kiosk", "telegram", "whatsapp", "wechat", "socketio", "metrics"} <= set(names.values())
    for name in names.values():
        path = f"/webhooks/{name}/webhook"
        if name in ("metrics", "socketio"):  # turn latency; socket.io lives at its own path above
            assert routed(objects, f"/webhooks/{name}/") is None, f"/webhooks/{name}/ is reachable from the internet"
        else:
            assert routed(objects, path) == ("dialogue", "http"), f"{path} does not reach the dialogue server"
    for path in RASA_API:
        assert routed(objects, path) is None, f"Rasa's {path} is reachable from the internet"


# --- network policies ------------------------------------------------------------------------


def selects(selector: dict, labels: dict[str, str]) -> bool:
    assert not selector.get("matchExpressions"), "teach selects() matchExpressions first"
    return selector.get("matchLabels", {}).items() <= labels.items()


def workloads(objects: list[dict]) -> dict[str, dict[str, str]]:
    """Pod labels of every workload, by workload name."""
    return {o["metadata"]["name"]: pod_template(o)["metadata"]["labels"] for o in objects if pod_template(o)}


def admitted(objects: list[dict], labels: dict[str, str], port: dict) -> set[str]:
    """Who may open a connection to a pod with ``labels`` on ``port`` (a container port entry):
    workload names of this namespace, ``namespace:<name>``, or ``anyone``."""
    policies = [p for p in of_kind(objects, "NetworkPolicy")
                if "Ingress" in p["spec"].get("policyTypes", ["Ingress"]) and selects(p["spec"]["podSelector"], labels)]  # fmt: skip
    if not policies:
        return {"anyone"}  # a pod no policy selects takes connections from everywhere
    sources: set[str] = set()
    for rule in (rule for policy in policies for rule in policy["spec"].get("ingress", [])):
        if "ports" in rule and not any(p.get("port") in (port["containerPort"], port.get("name")) for p in rule["ports"]):
            continue
        for peer in rule.get("from") or [{"ipBlock": {"cidr": "0.0.0.0/0"}}]:
            if "ipBlock" in peer:
                sources.add("anyone" if peer["ipBlock"]["cidr"] in ("0.0.0.0/0", "::/0") else peer["ipBlock"]["cidr"])
            elif "namespaceSelector" in peer:
                name = peer["namespaceSelector"].get("matchLabels", {}).get("kubernetes.io/metadata.name", "any")
                sources.add(f"namespace:{name}")
            else:
                sources |= {w for w, pod in workloads(objects).items() if selects(peer["podSelector"], pod)}
    return sources


def port_of(objects: list[dict], deployment: str, name: str) -> dict:
    found = [p for p in container(objects, deployment)["ports"] if p["name"] == name]
    assert len(found) == 1, f"the {deployment} container declares no port {name!r}"
    return found[0]


def test_the_action_endpoint_has_a_port_only_the_dialogue_server_reaches(objects):
    settings = Settings.from_env(settings_env(objects))
    actions = port_of(objects, "guide", "actions")
    assert settings.action_port == actions["containerPort"] != settings.port
    action_url = {e["name"]: e.get("value") for e in container(objects, "dialogue")["env"]}["ACTION_ENDPOINT_URL"]
    service = get(objects, "Service", urlsplit(action_url).hostname)
    assert {"port": urlsplit(action_url).port, "targetPort": "actions"}.items() <= next(
        p for p in service["spec"]["ports"] if p["port"] == urlsplit(action_url).port).items()  # fmt: skip
    guide = workloads(objects)["guide"]
    assert admitted(objects, guide, actions) == {"dialogue"}
    assert admitted(objects, guide, port_of(objects, "guide", "http")) == {INGRESS_CONTROLLER, PROMETHEUS}


def test_the_dialogue_server_admits_the_ingress_controller_the_guide_and_prometheus(objects):
    dialogue = workloads(objects)["dialogue"]
    assert admitted(objects, dialogue, port_of(objects, "dialogue", "http")) == {INGRESS_CONTROLLER, "guide", PROMETHEUS}


def test_every_pod_is_closed_to_what_no_policy_names(objects):
    for name, labels in workloads(objects).items():
        assert admitted(objects, labels, {"containerPort": 1, "name": "unused"}) == set(), f"{name} is open"


@pytest.mark.parametrize(("store", "setting", "clients"), [
    ("postgres", "GUIDE_DATABASE_URL", {"guide", "dialogue", "forget-conversations"}),
    ("postgres", "GUIDE_TRACKER_STORE_URL", {"guide", "dialogue", "forget-conversations"}),
    ("redis", "GUIDE_REDIS_URL", {"guide", "dialogue"}),
    ("redis", "GUIDE_LOCK_STORE_URL", {"guide", "dialogue"}),
])  # fmt: skip
def test_postgresql_and_redis_admit_only_our_services(objects, store, setting, clients):
    url = urlsplit(settings_env(objects)[setting])
    assert url.hostname == store
    port = {"containerPort": url.port}
    assert admitted(objects, {"app.kubernetes.io/name": store}, port) == clients
    assert admitted(objects, {"app.kubernetes.io/name": "someone-else"}, port) == set()
