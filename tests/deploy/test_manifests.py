"""The deployment files (deploy/) agree with Kubernetes' schemas and with the code they deploy.

No cluster and no kubectl: the kustomization is rendered here (``tests/deploy/manifests.py``),
every object is checked against the OpenAPI schemas that kubernetes-validate bundles, then come
the cross-references a rename or a typo would break. What may reach what (Ingress, network
policies) is checked in ``test_exposure.py``, the pods' hardening in ``test_hardening.py``.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import fields
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from channels import logformat
from guide.cli import main as cli_main
from guide.ops import rasa_credentials, rasa_endpoints
from guide.settings import ROOT, Settings, kiosk_registry_path
from tests.deploy.manifests import (
    DEPLOY,
    K8S,
    RENDERED,
    args_of,
    container,
    containers,
    copies,
    declares,
    dockerignored,
    env_names,
    get,
    image_env,
    kustomization,
    makefile_rasa_train,
    mount_of,
    of_kind,
    pod_spec,
    pods_behind,
    secret_templates,
    settings_env,
    split_image,
    words,
)

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
GIB = 1024**3
DIALOGUE_WORKER_BYTES = 1.3e9  # RSS of one Sanic worker of the dialogue server, model loaded


# --- Kubernetes ------------------------------------------------------------------------------


def test_kustomization_uses_only_what_the_renderer_applies(objects):
    spec = kustomization()
    assert set(spec) <= RENDERED, f"teach render() {set(spec) - RENDERED} first"
    assert all((K8S / r).is_file() for r in spec["resources"]), "resources must be files here"
    raw = {split_image(c["image"])[0] for r in spec["resources"]
           for doc in yaml.safe_load_all((K8S / r).read_text()) if doc for c in containers(doc)}  # fmt: skip
    assert raw == {rule["name"] for rule in spec["images"]}, "every image and only those get their registry"


def test_every_object_is_valid_kubernetes(objects):
    version = kubernetes_validate.latest_version()
    errors = []
    for obj in objects + secret_templates():
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{where}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{where}: {exc.message}")
    assert not errors, "\n".join(errors)
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {"macau-guide"}


def test_guide_settings_named_in_deploy_files_are_settings():
    known = {f"GUIDE_{f.name.upper()}" for f in fields(Settings)}
    unknown = {f"{path.relative_to(ROOT)}: {name}" for path in DEPLOY.rglob("*") if path.is_file()
               for name in re.findall(r"\bGUIDE_[A-Z0-9_]+", path.read_text()) if name not in known}  # fmt: skip
    assert not unknown, sorted(unknown)


def test_services_select_pods_and_target_their_ports(objects):
    for service in of_kind(objects, "Service"):
        if service["spec"].get("type") == "ExternalName":
            continue
        workloads = pods_behind(objects, service)
        assert workloads, f"Service {service['metadata']['name']} selects no pods"
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert all(any(declares(c, target) for c in containers(w)) for w in workloads), (
                f"Service {service['metadata']['name']} targets port {target!r}, which its pods do not declare"
            )


def test_probes_hit_declared_ports(objects):
    for workload in objects:
        for c in containers(workload):
            for probe in (c[name] for name in PROBES if name in c):
                port = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
                assert port is not None and declares(c, port), f"{c['name']}: a probe on undeclared port {port!r}"


def test_ingress_routes_to_services_and_keeps_socketio_sticky(objects):
    routes = {}
    for ingress in of_kind(objects, "Ingress"):
        assert ingress["spec"]["ingressClassName"] == "nginx"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = get(objects, "Service", backend["name"])
                port = backend["port"].get("name") or backend["port"].get("number")
                assert any(port in (p["port"], p.get("name")) for p in service["spec"]["ports"]), f"{backend}"
                routes[path["path"]] = (ingress, pods_behind(objects, service))
    socket_path = re.search(r'io\([^)]*path:\s*"([^"]+)"', (ROOT / "guide/static/chat/chat.js").read_text())[1]
    ingress, workloads = routes[socket_path]  # which paths reach which pods: test_exposure.py
    assert [w["metadata"]["name"] for w in workloads] == ["dialogue"]
    annotations = ingress["metadata"].get("annotations", {})
    assert (annotations.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
            or "nginx.ingress.kubernetes.io/upstream-hash-by" in annotations), "socket.io needs sticky sessions"  # fmt: skip


def test_disruption_budgets_leave_room_to_drain(objects):
    for budget in of_kind(objects, "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"].items()
        (deployment,) = [d for d in of_kind(objects, "Deployment")
                         if selector <= d["spec"]["template"]["metadata"]["labels"].items()]  # fmt: skip
        assert budget["spec"]["minAvailable"] < deployment["spec"]["replicas"], "a node could never be drained"


def test_config_secret_and_volume_references_exist(objects):
    for workload in objects:
        volumes = {v["name"]: v for v in (pod_spec(workload) or {}).get("volumes", [])}
        for volume in volumes.values():
            for field, kind, key in (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName"),
                                     ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName")):  # fmt: skip
                if field in volume:
                    get(objects, kind, volume[field][key])
        for c in containers(workload):
            env_names(objects, c)  # every envFrom source exists
            assert {m["name"] for m in c.get("volumeMounts", [])} <= set(volumes)
            for entry in c.get("env", []):
                for ref, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    if ref in entry.get("valueFrom", {}):
                        source = get(objects, kind, entry["valueFrom"][ref]["name"])
                        keys = set(source.get("data", {})) | set(source.get("stringData", {}))
                        assert entry["valueFrom"][ref]["key"] in keys, f"{entry['name']}: no such key"


def test_secret_templates_hold_no_secret():
    for secret in secret_templates():
        assert "data" not in secret and not any(secret["stringData"].values()), (
            f"Secret {secret['metadata']['name']} is a template: its values stay empty in git"
        )


def test_dialogue_config_is_what_the_guide_renders_from_these_settings(objects):
    settings = Settings.from_env(settings_env(objects))
    config = get(objects, "ConfigMap", "dialogue-config")["data"]
    assert yaml.safe_load(config["endpoints.yml"]) == rasa_endpoints.render(settings)
    assert yaml.safe_load(config["credentials.yml"]) == rasa_credentials.render(settings)
    rasa_endpoints.check(settings)
    # JSON lines without visitors' words, as the stack gives the dialogue server in json mode.
    assert settings.log_format == "json"
    assert yaml.safe_load(config["logging.yml"]) == logformat.logging_config(settings.log_level)
    (cmd,) = args_of("dialogue.Dockerfile", "CMD")
    assert "--logging-config-file /config/logging.yml" in " ".join(words(cmd))


def test_dialogue_server_gets_every_variable_it_reads(objects):
    dialogue = container(objects, "dialogue")
    have = env_names(objects, dialogue) | set(image_env("dialogue.Dockerfile"))
    config = get(objects, "ConfigMap", "dialogue-config")["data"]
    wanted = {v for text in config.values() for v in re.findall(r"\$\{(\w+)\}", text)}
    (cmd,) = args_of("dialogue.Dockerfile", "CMD")
    wanted |= set(re.findall(r"\$\{?(\w+)", cmd))
    assert wanted <= have, f"not set in the dialogue pods: {sorted(wanted - have)}"


def test_dialogue_workers_setting_reaches_rasa_and_fits_in_memory(objects):
    dialogue = container(objects, "dialogue")
    (sanic,) = [e for e in dialogue["env"] if e["name"] == "SANIC_WORKERS"]
    assert sanic["valueFrom"]["configMapKeyRef"] == {"name": "guide-settings", "key": "GUIDE_DIALOGUE_WORKERS"}
    workers = Settings.from_env(settings_env(objects)).dialogue_workers
    limit = dialogue["resources"]["limits"]["memory"]
    assert limit.endswith("Gi") and float(limit[:-2]) * GIB >= workers * DIALOGUE_WORKER_BYTES, (
        f"{workers} worker(s) need about {workers * 1.3:.1f} GB; the limit is {limit}"
    )


def test_in_cluster_urls_name_services_and_their_ports(objects):
    dialogue_env = {e["name"]: e["value"] for e in container(objects, "dialogue")["env"] if "value" in e}
    urls = {**settings_env(objects), **dialogue_env}
    for name, url in ((k, v) for k, v in urls.items() if "://" in v):
        parts = urlsplit(url)
        if "." in (parts.hostname or ""):
            continue  # outside the cluster (the public URL: next test)
        service = get(objects, "Service", parts.hostname)
        if service["spec"].get("type") != "ExternalName":
            assert parts.port in [p["port"] for p in service["spec"]["ports"]], f"{name}={url}: no such port"
    for url, runs in ((urls["GUIDE_RASA_URL"], "dialogue"), (urls["ACTION_ENDPOINT_URL"], "guide")):
        service = get(objects, "Service", urlsplit(url).hostname)
        assert [w["metadata"]["name"] for w in pods_behind(objects, service)] == [runs], url


def test_public_urls_are_the_ingress_host(objects):
    hosts = {rule["host"] for ingress in of_kind(objects, "Ingress") for rule in ingress["spec"]["rules"]}
    env = settings_env(objects)
    for name in ("GUIDE_PUBLIC_URL", "GUIDE_DIALOGUE_PUBLIC_URL"):
        assert urlsplit(env[name]).hostname in hosts, f"{name} is not a host of the Ingress"


def test_guide_listens_where_probed_and_keeps_its_data_on_the_shared_volume(objects):
    guide, dialogue = container(objects, "guide"), container(objects, "dialogue")
    settings = Settings.from_env({**image_env("guide.Dockerfile"), **settings_env(objects)})
    assert settings.host == "0.0.0.0" and declares(guide, settings.port)
    mount, volume = mount_of(get(objects, "Deployment", "guide"), guide, str(settings.data_dir))
    assert not mount.get("readOnly") and "persistentVolumeClaim" in volume
    registry = str(kiosk_registry_path(settings))
    _, seen = mount_of(get(objects, "Deployment", "dialogue"), dialogue, registry)
    assert seen.get("persistentVolumeClaim", {}).get("claimName") == volume["persistentVolumeClaim"]["claimName"]


def test_payment_key_files_are_mounted_from_their_secret(objects):
    guide = container(objects, "guide")
    for name, path in settings_env(objects).items():
        if name.endswith("_FILE") and path:
            _, volume = mount_of(get(objects, "Deployment", "guide"), guide, path)
            keys = get(objects, "Secret", volume["secret"]["secretName"])["stringData"]
            assert PurePosixPath(path).name in keys, f"{name}: {path} is not a key of its Secret"


# --- images ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", ["guide.Dockerfile", "dialogue.Dockerfile"])
def test_copied_files_exist_and_reach_the_build(dockerfile):
    for sources, _ in copies(dockerfile):
        for source in sources:
            assert (ROOT / source).exists(), f"{dockerfile}: COPY {source}: no such path"
            assert not dockerignored(source.rstrip("/")), f"{dockerfile}: COPY {source}: .dockerignore drops it"


def test_dockerignore_keeps_local_state_out_of_images():
    for path in (".git", ".venv", ".venv-rasa", "var", "bot/models", "test-artifacts"):
        assert dockerignored(path), path


def test_guide_image_holds_what_the_service_reads_beside_its_code():
    from guide.payments import DOMAIN

    copied = {
        source.rstrip("/"): dest.rstrip("/") for sources, dest in copies("guide.Dockerfile") for source in sources
    }
    for needed in (Settings().seed_dir, DOMAIN):
        rel = needed.relative_to(ROOT)
        assert any(rel.is_relative_to(s) and copied[s] == s for s in copied), f"the guide image lacks {rel}"


def test_guide_image_runs_a_command_of_the_guide_cli(capsys):
    (cmd,) = args_of("guide.Dockerfile", "CMD")
    program, *argv = words(cmd)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get(program) == "guide.cli:main"
    with pytest.raises(SystemExit) as exited:
        cli_main([*argv, "--help"])
    assert exited.value.code == 0, f"`{cmd}` is not a command of macau-guide"


def test_jobs_run_commands_of_the_guide_cli(objects, capsys):
    guide_image = container(objects, "guide")["image"]
    jobs = [c for o in of_kind(objects, "CronJob") for c in containers(o)]
    assert jobs, "no CronJob: retention (macau-guide forget-conversations) runs only inside the guide"
    for job in jobs:
        assert job["image"] == guide_image and job["command"][0] == "macau-guide"
        with pytest.raises(SystemExit) as exited:
            cli_main([*job["command"][1:], "--help"])
        assert exited.value.code == 0, f"{job['command']} is not a command of macau-guide"


def test_dialogue_image_runs_its_model_with_the_mounted_config(objects):
    (cmd,) = args_of("dialogue.Dockerfile", "CMD")
    module, command = re.search(r"python -m ([\w.]+) (\w+)", cmd).groups()
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file() and command == "run"
    options = dict(re.findall(r"--([\w-]+) (\S+)", cmd))
    train = makefile_rasa_train()
    assert (
        options["model"] == f"{train[train.index('--out') + 1]}/{train[train.index('--fixed-model-name') + 1]}.tar.gz"
    )
    dialogue = container(objects, "dialogue")
    assert declares(dialogue, int(options["port"]))
    for option in ("endpoints", "credentials"):
        path = PurePosixPath(options[option])
        _, volume = mount_of(get(objects, "Deployment", "dialogue"), dialogue, str(path))
        assert path.name in get(objects, "ConfigMap", volume["configMap"]["name"])["data"], option


def test_dialogue_model_is_trained_as_the_makefile_trains_it():
    (run,) = [args for args in args_of("dialogue.Dockerfile", "RUN") if "rasa train" in args]
    tokens = shlex.split(run)
    tokens = tokens[tokens.index("rasa") :]
    assert tokens[: tokens.index("&&") if "&&" in tokens else None] == makefile_rasa_train()


def test_dialogue_image_installs_what_the_makefiles_rasa_venv_installs():
    """The same requirement files, with and without dependencies (the encoder's weights)."""

    def installs(lines: list[str]) -> set[tuple[bool, str]]:
        found = set()
        for line in lines:
            for command in line.split("&&"):
                words = shlex.split(command)
                if "install" in words and "-r" in words:
                    found.add(("--no-deps" in words, words[words.index("-r") + 1]))
        return found

    makefile = [line for line in (ROOT / "Makefile").read_text().splitlines() if "$(RASA_VENV)/bin/pip install" in line]
    image = installs(args_of("dialogue.Dockerfile", "RUN"))
    assert installs(makefile) == image and (True, "requirements/rasa-nodeps.in") in image


def test_guide_image_has_the_makefiles_torch():
    def versions(path: Path) -> set[str]:
        return set(re.findall(r"torch==([\w.+]+)", path.read_text()))

    assert versions(ROOT / "Makefile") and versions(DEPLOY / "guide.Dockerfile") == versions(ROOT / "Makefile")


@pytest.mark.parametrize("dockerfile", ["guide.Dockerfile", "dialogue.Dockerfile"])
def test_images_run_as_non_root(dockerfile):
    user = args_of(dockerfile, "USER")[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"{dockerfile}: USER {user} (numeric, so runAsNonRoot can check it)"


def test_pods_run_as_non_root(objects):
    for workload in objects:
        pod = pod_spec(workload)
        if pod is not None:
            assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"].get("runAsUser") != 0
            assert all(c.get("securityContext", {}).get("runAsUser", 1) != 0 for c in containers(workload))
