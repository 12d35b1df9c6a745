"""``make eval``: intent F1 per language on a held-out split of the NLU data.

Every example of ``bot/data/*.yml`` is given its language: the file's, for the files of one
language (``*_en.yml``, ``*_pt.yml``, ``*_zh_hant.yml``, ``*_zh_hans.yml``: "obg" is Portuguese
even if it reads as nothing much), else the bot's own detector. Then 20% of each
(intent, language) group is held out with a fixed seed. An NLU-only model is trained on the rest in the Rasa venv, parses the
held-out messages, and the report (macro intent F1 and accuracy per language, the worst
intents, every confusion) is printed and saved in ``bench/results/nlu.md`` and ``nlu.json``.
Target: intent F1 >= 0.90 in every language.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from bot.nlu.detect import detect_language

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin"
RESULTS = ROOT / "bench" / "results"
HOLD_OUT = 0.2
LANGS = ("en", "zh-Hant", "zh-Hans", "pt")
# Another pipeline can be tried without touching the bot's: NLU_EVAL_CONFIG=path (results not saved).
# NLU_EVAL_DUMP=path also writes every held-out parse (intent ranking, FAQ topic confidence, truth),
# to try thresholds offline without training again.
CONFIG = os.environ.get("NLU_EVAL_CONFIG", "bot/config.yml")
FILE_LANGUAGES = {"_en": "en", "_pt": "pt", "_zh_hant": "zh-Hant", "_zh_hans": "zh-Hans"}
PARSE = """
import asyncio, json, sys
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
texts = json.load(open(sys.argv[2]))
async def main():
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed["intent"]["name"]
        selector = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
        if intent == "faq" and selector.get("intent_response_key"):
            intent = selector["intent_response_key"]
        interests = sorted({e["value"] for e in parsed.get("entities", []) if e.get("entity") == "interest"})
        out.append({"interests": interests, "intent": intent, "ranking": [(r["name"], r["confidence"]) for r in parsed.get("intent_ranking", [])[:5]],
                    "faq": selector.get("intent_response_key"), "faq_confidence": selector.get("confidence")})
    json.dump(out, open(sys.argv[3], "w"))
asyncio.run(main())
"""


def examples(markup: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(intent, text, language) of every training example (entity markup removed; given a
    ``markup`` dict, the marked-up line of each text is kept there, to train the entities)."""
    import re

    found = []
    for path in sorted((ROOT / "bot" / "data").glob("*.yml")):
        written_in = next((lang for suffix, lang in FILE_LANGUAGES.items() if path.stem.endswith(suffix)), None)
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                marked = text
                text = re.sub(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)", lambda m: m.group(1) or m.group(2), text)
                if markup is not None:
                    markup[text] = marked
                if text:
                    found.append((block["intent"], text, written_in or detect_language(text) or "en"))
    return found


def split(rows: list, seed: int = 13) -> tuple[list, list]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        groups[(row[0], row[2])].append(row)
    rng, train, test = random.Random(seed), [], []
    for key in sorted(groups):
        group = groups[key][:]
        rng.shuffle(group)
        cut = int(round(len(group) * HOLD_OUT)) if len(group) >= 5 else 0
        test += group[:cut]
        train += group[cut:]
    return train, test


def as_nlu_yaml(rows: list, markup: dict[str, str] | None = None) -> str:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text, _ in rows:
        by_intent[intent].append((markup or {}).get(text, text))
    data = {"version": "3.1", "nlu": [{"intent": i, "examples": "".join(f"- {t}\n" for t in texts)}
                                      for i, texts in by_intent.items()]}  # fmt: skip
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def f1_report(pairs: list[tuple[str, str]]) -> dict:
    """Macro F1 over the intents present, accuracy, and per-intent F1."""
    labels = sorted({t for t, _ in pairs})
    per = {}
    for label in labels:
        tp = sum(t == label and p == label for t, p in pairs)
        fp = sum(t != label and p == label for t, p in pairs)
        fn = sum(t == label and p != label for t, p in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(pairs), "accuracy": sum(t == p for t, p in pairs) / max(1, len(pairs)),
            "macro_f1": sum(per.values()) / max(1, len(per)), "per_intent": per}  # fmt: skip


def _run(command: list[str]) -> None:
    # bot.nlu.* importable; no training cache, so the time measured is a whole training
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "RASA_MAX_CACHE_SIZE": "0"}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{' '.join(command[:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def marked_interests(line: str) -> set[str]:
    """The interest values marked up in a training line (``[temples]{"entity": "interest", ...}``)."""
    import re

    found = set()
    for body in re.findall(r"\]\{([^}]*)\}", line):
        try:
            entity = json.loads("{" + body + "}")
        except ValueError:
            continue
        if entity.get("entity") == "interest" and entity.get("value"):
            found.add(entity["value"])
    found |= {m for m in re.findall(r"\]\(interest:([^)]+)\)", line)}
    return found


def entity_report(test: list, parses: list, markup: dict[str, str]) -> dict:
    """Interest entities on the held-out examples marked up with one: recall and precision."""
    tp = fp = fn = 0
    for (_, text, _), parsed in zip(test, parses):
        truth = marked_interests(markup.get(text, ""))
        if not truth:
            continue
        found = set(parsed.get("interests", []))
        tp, fp, fn = tp + len(truth & found), fp + len(found - truth), fn + len(truth - found)
    return {"examples_marked": sum(bool(marked_interests(markup.get(t, ""))) for _, t, _ in test),
            "recall": tp / max(1, tp + fn), "precision": tp / max(1, tp + fp)}


def evaluate() -> dict:
    import time

    markup: dict[str, str] = {}
    rows = examples(markup)
    train, test = split(rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "train.yml").write_text(as_nlu_yaml(train, markup), encoding="utf-8")  # entities marked up too
        started = time.monotonic()
        _run([str(RASA / "rasa"), "train", "nlu", "--config", CONFIG, "--nlu", str(tmp / "train.yml"),
              "--domain", "bot/domain.yml", "--out", str(tmp), "--fixed-model-name", "heldout"])  # fmt: skip
        trained_seconds = time.monotonic() - started
        (tmp / "texts.json").write_text(json.dumps([t for _, t, _ in test], ensure_ascii=False), encoding="utf-8")
        (tmp / "parse.py").write_text(PARSE, encoding="utf-8")
        _run([str(RASA / "python"), str(tmp / "parse.py"), str(tmp / "heldout.tar.gz"), str(tmp / "texts.json"),
              str(tmp / "predicted.json")])
        parses = json.loads((tmp / "predicted.json").read_text(encoding="utf-8"))
        if os.environ.get("NLU_EVAL_DUMP"):  # every parse with the held-out truth, to study thresholds
            Path(os.environ["NLU_EVAL_DUMP"]).write_text(json.dumps([{**p, "truth": i, "text": t, "lang": l}
                                                                     for p, (i, t, l) in zip(parses, test)],
                                                                    ensure_ascii=False), encoding="utf-8")  # fmt: skip
        predicted = [p["intent"] for p in parses]
    report = {"train": len(train), "test": len(test), "by_language": {}, "confusions": [], "config": CONFIG,
              "train_nlu_seconds": round(trained_seconds), "interest_entities": entity_report(test, parses, markup)}
    for lang in LANGS:
        pairs = [(intent, p) for (intent, _, l), p in zip(test, predicted) if l == lang]
        report["by_language"][lang] = f1_report(pairs)
    report["confusions"] = Counter(
        f"{intent} -> {p} ({lang})" for (intent, _, lang), p in zip(test, predicted) if intent != p
    ).most_common()
    report["misses"] = [(lang, text, intent, p) for (intent, text, lang), p in zip(test, predicted) if intent != p]
    return report


def main() -> None:
    r = evaluate()
    lines = ["# NLU intent F1 per language (held-out 20% of bot/data, stratified by intent and language)", "",
             f"{r['train']} training examples, {r['test']} held out; retrieval intents scored as faq/<topic>.", "",
             "| language | held out | accuracy | macro intent F1 | weakest intents |", "|---|---:|---:|---:|---|"]
    for lang, row in r["by_language"].items():
        weakest = ", ".join(f"{k} {v:.2f}" for k, v in sorted(row["per_intent"].items(), key=lambda kv: kv[1])[:3])
        lines.append(f"| {lang} | {row['n']} | {row['accuracy']:.3f} | {row['macro_f1']:.3f} | {weakest} |")
    ents = r["interest_entities"]
    lines += ["", f"Interest entities on the {ents['examples_marked']} held-out examples marked up with one: "
              f"recall {ents['recall']:.3f}, precision {ents['precision']:.3f}. `rasa train nlu` of the training "
              f"part ({r['config']}): {r['train_nlu_seconds']} s."]
    lines += ["", "Target: macro intent F1 >= 0.90 in every language.", "", "Confusions (true -> predicted):", ""]
    lines += [f"- {name}: {count}" for name, count in r["confusions"][:20]] or ["- none"]
    text = "\n".join(lines) + "\n"
    print(text)
    if CONFIG != "bot/config.yml":
        print(f"(pipeline {CONFIG}: results not saved)")
        for miss in r["misses"]:
            print(miss)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu.md").write_text(text, encoding="utf-8")
    (RESULTS / "nlu.json").write_text(json.dumps(r, indent=2, ensure_ascii=False), encoding="utf-8")
    if any(row["macro_f1"] < 0.9 for row in r["by_language"].values()):
        sys.exit("intent F1 below 0.90 in some language (see bench/results/nlu.md)")


if __name__ == "__main__":
    main()
