"""The pods and their secrets are hardened (issue 17): Secrets created by the operator, never
applied empty from git; Redis behind a password; read-only root file systems; no service-account
token; production settings.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from urllib.parse import urlsplit

import yaml

from guide.settings import Settings
from tests.deploy.manifests import (
    DEPLOY,
    K8S,
    SECRETS,
    args_of,
    container,
    containers,
    get,
    kustomization,
    mount_of,
    pod_spec,
    secret_templates,
    secret_values,
    settings_env,
    split_image,
)

# Where each image's process writes besides the volumes the settings name: temp files (Rasa
# unpacks its model there) and HOME (Rasa's ~/.config/rasa/global.yml, the libraries' caches).
ALWAYS_WRITTEN = ("/tmp", "$HOME")
DOCKERFILES = {"guide": "guide.Dockerfile", "dialogue": "dialogue.Dockerfile"}  # by the image's last name


def referenced_secrets(objects: list[dict]) -> dict[str, set[str]]:
    """Secret name -> the keys the workloads read from it (None in the set: the whole Secret)."""
    found: dict[str, set] = {}
    for workload in objects:
        for volume in (pod_spec(workload) or {}).get("volumes", []):
            if "secret" in volume:
                found.setdefault(volume["secret"]["secretName"], set()).add(None)
        for c in containers(workload):
            for source in c.get("envFrom", []):
                if "secretRef" in source:
                    found.setdefault(source["secretRef"]["name"], set()).add(None)
            for entry in c.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    found.setdefault(ref["name"], set()).add(ref["key"])
    return found


def readme_create_secret_commands() -> dict[str, set[str]]:
    """Secret name -> the keys deploy/README.md's ``kubectl create secret generic`` commands give
    it (``--from-literal``, ``--from-file``, or ``--from-env-file`` of a file a heredoc writes)."""
    text = (DEPLOY / "README.md").read_text()
    commands: dict[str, set[str]] = {}
    for block in map(textwrap.dedent, re.findall(r"```sh\n(.*?)```", text, re.S)):  # as copied from the page
        env_files = {name: set(re.findall(r"^(\w+)=", body, re.M))
                     for name, body in re.findall(r"cat > (\S+) <<'?EOF'?\n(.*?)^EOF$", block, re.S | re.M)}  # fmt: skip
        for line in block.replace("\\\n", " ").splitlines():
            if "create secret generic" not in line:
                continue
            words = shlex.split(line)
            keys = commands.setdefault(words[words.index("generic") + 1], set())
            for option, _, value in (w.partition("=") for w in words if w.startswith("--from-")):
                if option == "--from-env-file":
                    keys |= env_files[value]
                else:  # --from-literal=KEY=value, --from-file=KEY=path or --from-file=path
                    keys.add(value.partition("=")[0] if "=" in value else value.rsplit("/", 1)[-1])
    return commands


def test_kustomize_applies_no_secret_and_the_readme_creates_each_one(objects):
    """Applied from git, the empty template would overwrite the real secrets with ""."""
    applied = [doc["metadata"]["name"] for resource in kustomization()["resources"]
               for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc and doc["kind"] == "Secret"]  # fmt: skip
    assert applied == [], f"kubectl apply -k would overwrite the Secrets {applied}"
    assert SECRETS.name not in kustomization()["resources"] and SECRETS.is_file(), "keep secret.yaml as the template"
    templates = {s["metadata"]["name"]: set(s["stringData"]) for s in secret_templates()}
    for name, keys in referenced_secrets(objects).items():
        assert name in templates, f"Secret {name} is used but has no template in secret.yaml"
        assert keys - {None} <= templates[name], f"Secret {name} lacks {keys - {None} - templates[name]}"
    assert readme_create_secret_commands() == templates, "deploy/README.md's kubectl create secret commands"


def test_redis_needs_the_password_from_the_secret(objects):
    password = secret_values(objects).get("REDIS_PASSWORD")
    assert password, "the Secret has no REDIS_PASSWORD"
    env = settings_env(objects)
    for name in ("GUIDE_REDIS_URL", "GUIDE_LOCK_STORE_URL"):
        assert urlsplit(env[name]).password == password, f"{name} reaches Redis without its password"
    config = get(objects, "ConfigMap", "guide-settings")["data"]
    assert not [k for k, v in config.items() if v.startswith(("redis://", "rediss://"))], "Redis URLs come from the Secret"
    lock_store = yaml.safe_load(get(objects, "ConfigMap", "dialogue-config")["data"]["endpoints.yml"])["lock_store"]
    (variable,) = re.fullmatch(r"\$\{(\w+)\}", lock_store["password"]).groups()
    (entry,) = [e for e in container(objects, "dialogue")["env"] if e["name"] == variable]
    assert entry["valueFrom"]["secretKeyRef"] == {"name": "guide-secrets", "key": "REDIS_PASSWORD"}


def home_of(dockerfile: str) -> str:
    (useradd,) = [run for run in args_of(dockerfile, "RUN") if "useradd" in run]
    return re.search(r"--home-dir (\S+)", useradd)[1]


def test_root_file_systems_are_read_only_and_processes_write_to_volumes(objects):
    data_dir = str(Settings.from_env(settings_env(objects)).data_dir)
    for workload in objects:
        for c in containers(workload):
            where = f"{workload['metadata']['name']}/{c['name']}"
            assert c.get("securityContext", {}).get("readOnlyRootFilesystem") is True, f"{where}: writable image"
            dockerfile = DOCKERFILES[split_image(c["image"])[0].rsplit("/", 1)[-1]]
            written = [path.replace("$HOME", home_of(dockerfile)) for path in ALWAYS_WRITTEN]
            if workload["kind"] == "Deployment" and c["name"] == "guide":
                written.append(data_dir)  # the kiosk registry, kept secrets, the saved index
            for path in written:
                mount, volume = mount_of(workload, c, path)
                assert not mount.get("readOnly") and ("emptyDir" in volume or "persistentVolumeClaim" in volume), (
                    f"{where} writes to {path}, which is not on a writable volume"
                )


def test_no_pod_gets_a_service_account_token(objects):
    """None of them calls the Kubernetes API: a token in the pod would only serve an intruder."""
    for workload in objects:
        pod = pod_spec(workload)
        if pod is not None:
            assert pod.get("automountServiceAccountToken") is False, f"{workload['metadata']['name']} mounts a token"


def test_the_cluster_runs_production_settings(objects):
    settings = Settings.from_env(settings_env(objects))
    assert settings.production and not settings.payment_sandbox_url
