"""What the deployment files (deploy/) hold, read without a cluster: the kustomization rendered
here (its ``namespace`` and ``images``, the only fields it may use), the Secret templates the
operator creates, the Dockerfiles' instructions, and lookups across them for the tests."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import PurePosixPath

import yaml

from guide.settings import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SECRETS = K8S / "secret.yaml"
RENDERED = {"apiVersion", "kind", "namespace", "resources", "images"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "IngressClass", "ClusterRole", "ClusterRoleBinding"}


# --- rendering -------------------------------------------------------------------------------


def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def render() -> list[dict]:
    """What ``kubectl kustomize deploy/k8s`` gives for the fields this kustomization uses."""
    spec = kustomization()
    objects = [doc for resource in spec["resources"] for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc]
    for obj in objects:
        if spec.get("namespace") and obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = spec["namespace"]
        for container in containers(obj):
            container["image"] = retag(container["image"], spec.get("images", []))
    return objects


def split_image(image: str) -> tuple[str, str]:
    """``name`` and its ``:tag`` or ``@digest`` (a registry's ``host:port/`` stays in the name)."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, f"@{digest}"
    name, _, tag = image.rpartition(":")
    return (name, f":{tag}") if name and "/" not in tag else (image, "")


def retag(image: str, rules: list[dict]) -> str:
    name, tag = split_image(image)
    for rule in rules:
        if rule["name"] == name:
            name = rule.get("newName", name)
            tag = f":{rule['newTag']}" if "newTag" in rule else tag
            tag = f"@{rule['digest']}" if "digest" in rule else tag
    return name + tag


def pod_template(obj: dict) -> dict | None:
    """The pod a workload runs (``metadata`` and ``spec``), or None for other kinds."""
    if obj["kind"] == "Pod":
        return obj
    spec = obj.get("spec") or {}
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec.get("template")


def pod_spec(obj: dict) -> dict | None:
    template = pod_template(obj)
    return template["spec"] if template else None


def containers(obj: dict) -> list[dict]:
    pod = pod_spec(obj) or {}
    return pod.get("containers", []) + pod.get("initContainers", [])


def secret_templates() -> list[dict]:
    """The Secrets the operator creates (``secret.yaml``, a template kustomize does not apply)."""
    spec = kustomization()
    found = [doc for doc in yaml.safe_load_all(SECRETS.read_text()) if doc]
    for obj in found:
        obj["metadata"]["namespace"] = spec["namespace"]
    return found


def get(objects: list[dict], kind: str, name: str) -> dict:
    """The one object of that kind and name; a Secret is looked up among the templates too."""
    pool = objects + (secret_templates() if kind == "Secret" else [])
    found = [o for o in pool if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} in deploy/k8s"
    return found[0]


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def container(objects: list[dict], deployment: str) -> dict:
    (only,) = [c for c in containers(get(objects, "Deployment", deployment)) if c["name"] == deployment]
    return only


def secret_values(objects: list[dict]) -> dict[str, str]:
    """Stand-ins for the Secret's values (the template's are empty): letters only, as in a URL."""
    return {key: f"secret{key.lower().replace('_', '')}" for key in get(objects, "Secret", "guide-secrets")["stringData"]}


def expanded_env(objects: list[dict], c: dict) -> dict[str, str]:
    """A container's environment as Kubernetes gives it: ``envFrom``, then ``env`` with ``$(VAR)``
    expanded from what came before it (Secret values are the stand-ins above)."""
    env: dict[str, str] = {}
    secrets = secret_values(objects)
    for source in c.get("envFrom", []):
        if "configMapRef" in source:
            env.update(get(objects, "ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        if "secretRef" in source:
            env.update({k: secrets.get(k, "") for k in get(objects, "Secret", source["secretRef"]["name"])["stringData"]})
    for entry in c.get("env", []):
        if "value" in entry:
            env[entry["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m[1], m[0]), entry["value"])
        elif "secretKeyRef" in entry.get("valueFrom", {}):
            env[entry["name"]] = secrets.get(entry["valueFrom"]["secretKeyRef"]["key"], "")
        elif "configMapKeyRef" in entry.get("valueFrom", {}):
            ref = entry["valueFrom"]["configMapKeyRef"]
            env[entry["name"]] = get(objects, "ConfigMap", ref["name"])["data"][ref["key"]]
    return env


def settings_env(objects: list[dict]) -> dict[str, str]:
    """The guide pods' environment: the settings ConfigMap, the Secret and the container's own."""
    (guide,) = [c for c in containers(get(objects, "Deployment", "guide")) if c["name"] == "guide"]
    return expanded_env(objects, guide)


def env_names(objects: list[dict], c: dict) -> set[str]:
    names = {e["name"] for e in c.get("env", [])}
    for source in c.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(get(objects, "ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        if "secretRef" in source:
            secret = get(objects, "Secret", source["secretRef"]["name"])
            names |= set(secret.get("stringData", {})) | set(secret.get("data", {}))
    return names


def mount_of(obj: dict, c: dict, path: str) -> tuple[dict, dict]:
    """The mount (and its volume) that ``path`` lies in, deepest first."""
    volumes = {v["name"]: v for v in pod_spec(obj)["volumes"]}
    for mount in sorted(c.get("volumeMounts", []), key=lambda m: -len(m["mountPath"])):
        if PurePosixPath(path).is_relative_to(mount["mountPath"]):
            return mount, volumes[mount["name"]]
    raise AssertionError(f"{path} is on no volume of container {c['name']}")


def pods_behind(objects: list[dict], service: dict) -> list[dict]:
    selector = service["spec"].get("selector") or {}
    return [o for o in objects if pod_template(o) and selector
            and selector.items() <= pod_template(o)["metadata"]["labels"].items()]  # fmt: skip


def declares(c: dict, port: int | str) -> bool:
    return any(port in (p["containerPort"], p.get("name")) for p in c.get("ports", []))


# --- Dockerfiles -----------------------------------------------------------------------------


def instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continuations joined."""
    result, pending = [], ""
    for line in (DEPLOY / name).read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            keyword, _, args = pending.partition(" ")
            result.append((keyword.upper(), args.strip()))
            pending = ""
    return result


def args_of(name: str, keyword: str) -> list[str]:
    return [args for key, args in instructions(name) if key == keyword]


def words(args: str) -> list[str]:
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def image_env(name: str) -> dict[str, str]:
    return dict(word.split("=", 1) for args in args_of(name, "ENV") for word in shlex.split(args))


def copies(name: str) -> list[tuple[list[str], str]]:
    found = []
    for args in args_of(name, "COPY"):
        parts = [w for w in words(args) if not w.startswith("--")]
        found.append((parts[:-1], parts[-1]))
    return found


def dockerignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate, pattern = pattern.startswith("!"), pattern.lstrip("!").strip("/")
        options = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(prefix, option) for prefix in prefixes for option in options):
            ignored = not negate
    return ignored


def makefile_rasa_train() -> list[str]:
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("\t") and "rasa train" in line]
    return shlex.split(line.replace("$(RASA_VENV)/bin/", ""))
