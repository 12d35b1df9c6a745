"""``make eval``: our own conversation test set (``bench/conversations.yml``) played against the
real stack, scored the way a visitor would judge it.

Each conversation (1-4 turns, in one visitor language) gets a fresh sender id; every turn goes to
the dialogue server's REST channel (``POST {rasa}/webhooks/rest/webhook`` with
``{"sender", "message", "metadata"}``) and its replies are checked against the turn's
expectations (the file's header documents them):

- ``responses``: some reply message matches each of these domain responses, in the
  conversation's language. A response's template for a language is its variation whose
  ``condition`` is the ``language`` slot = that language (the unconditioned variation is
  English); each ``{placeholder}`` becomes a non-greedy wildcard, the rest is escaped, any run of
  whitespace may be any whitespace or none, and the whole message text must match. A response
  missing from ``bot/domain.yml`` (one being added) is a failed expectation, not a crash;
- ``responses_any``: at least one of these matches; ``not_responses``: none of these matches;
- ``mentions``: the replies name each of these sights (``data/attractions.yaml``), by any of its
  names or aliases in the language (case, accents and spacing folded; the longest name at a
  place wins, so 大三巴哪吒廟 is Na Tcha Temple, not 大三巴);
- ``mentions_from_list``: N: the replies name the Nth sight of the last list an earlier turn
  showed (a list item is a reply message starting with a rank such as ``2.`` or a clock time
  such as ``10:30``, like suggestions, nearby sights, plan stops and calmer options);
- ``contains`` / ``not_contains``: literal substrings of the replies; ``regex`` / ``not_regex``:
  some reply message matches / no reply message matches this regular expression (``re.search``,
  multi-line), e.g. a plan's stops all in the part of the day asked.

A conversation passes when every turn meets all its expectations (later turns are still played
after a failed one, so the report shows every miss). The report prints the pass rate by
language (Traditional Chinese split into Cantonese and Taiwan Mandarin too), by skill, by
follow-up pattern, single-turn against multi-turn and overall, then every failed conversation
with the turn, what was expected and what the bot said. It is saved as
``bench/results/conversations.md`` and ``.json`` (not when ``--file`` or ``--only`` pick another
set, so a partial run never replaces the full report).

Without ``--rasa-url`` the real stack is started as ``make run`` starts it (``python -m guide.cli
run`` on spare ports with a throw-away data directory, as the integration tests' ``demo``
fixture does) and stopped with SIGINT at the end. The exit status is 0 whatever the pass rate
(this is a report); 1 when the stack does not start, 2 when the conversation file is invalid.

    python -m bench.eval_conversations [--file F] [--only ID-or-glob ...] [--rasa-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import http.client
import json
import os
import re
import sys
import tempfile
import unicodedata
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bench.common import StackDidNotStart, start_demo, stop_demo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONVERSATIONS = ROOT / "bench" / "conversations.yml"
DOMAIN = ROOT / "bot" / "domain.yml"
ATTRACTIONS = ROOT / "data" / "attractions.yaml"

LANGS = ("en", "zh-Hant", "zh-Hans", "pt")
VARIANTS = ("cantonese", "mandarin-tw")
SKILLS = ("greet", "recommend", "crowd", "hours", "directions", "deals", "plan", "nearby", "quieter", "faq",
          "handoff", "out_of_scope")  # fmt: skip
FOLLOW_UPS = ("reference", "same-sight", "time", "day", "place")
# Responses being added to the domain while this set was written: accepted by the file's checks
# even when absent (a turn expecting one that is still missing simply fails).
NEW_RESPONSES = frozenset({"utter_quieter_intro", "utter_quieter_item", "utter_hours_on_day",
                           "utter_hours_closed_on_day", "utter_crowd_on_day", "utter_sight_closed_now",
                           "utter_which_one"})  # fmt: skip
EXPECTATIONS = ("responses", "responses_any", "not_responses", "mentions", "mentions_from_list", "contains",
                "not_contains", "regex", "not_regex")  # fmt: skip
CONVERSATION_KEYS = {"id", "lang", "variant", "skill", "follow_up", "turns"}
TURN_KEYS = {"say", "metadata", "expect"}
MAX_TURNS = 4

START_SECONDS = 300
# The moment the stack's clock starts at (GUIDE_CLOCK_START), so "now", "tonight", "on Sunday" and
# which sights are open and crowded mean the same on every run: a Wednesday late morning in December.
PLAYED_AT = "2026-12-09T11:00+08:00"
TURN_SECONDS = 60
SAID_CHARS = 160  # per reply message in the Markdown report (the JSON keeps every word)


# -- matching -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\w+\}")


def template_pattern(template: str) -> re.Pattern:
    """A response template as a pattern over a whole reply message: ``{placeholder}`` -> a
    non-greedy wildcard, the rest escaped, whitespace runs -> optional whitespace."""
    literals = _PLACEHOLDER.split(template.strip())
    escaped = [r"\s*".join(re.escape(word) for word in re.split(r"\s+", part)) for part in literals]
    return re.compile(r"(?:.*?)".join(escaped), re.S)


class Templates:
    """The domain's responses, per language, as patterns."""

    def __init__(self, domain: dict) -> None:
        self.responses = domain.get("responses") or {}
        self._patterns: dict[tuple[str, str], list[re.Pattern]] = {}

    @classmethod
    def load(cls, path: Path = DOMAIN) -> Templates:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def known(self, name: str) -> bool:
        return name in self.responses

    def texts(self, name: str, lang: str) -> list[str]:
        """The template(s) of ``name`` for ``lang``: the variations conditioned on the language slot
        being ``lang``; for English, the unconditioned ones."""
        found = []
        for variation in self.responses.get(name) or []:
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str):
                continue
            conditions = variation.get("condition") or []
            if not conditions:
                if lang == "en":
                    found.append(variation["text"])
            elif all(c.get("type", "slot") == "slot" and c.get("name") == "language" and c.get("value") == lang
                     for c in conditions):  # fmt: skip
                found.append(variation["text"])
        return found

    def patterns(self, name: str, lang: str) -> list[re.Pattern]:
        key = (name, lang)
        if key not in self._patterns:
            self._patterns[key] = [template_pattern(text) for text in self.texts(name, lang)]
        return self._patterns[key]

    def said(self, name: str, lang: str, messages: list[str]) -> bool:
        """Some message is ``name``'s wording in ``lang``, placeholders filled."""
        patterns = self.patterns(name, lang)
        return any(p.fullmatch(text.strip()) for text in messages for p in patterns)

    def why_not(self, name: str, lang: str) -> str:
        """Why ``name`` cannot have been said, when it was not."""
        if not self.known(name):
            return "not in bot/domain.yml (yet)"
        if not self.texts(name, lang):
            return f"has no {lang} wording"
        return "not said"


def fold(text: str) -> str:
    """Case, accents, full-width forms and spacing folded away, for finding names in text."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare.casefold())


_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)](?!\d)|\d{1,2}:\d{2}\b)")


class Sights:
    """Every sight's names and aliases per language, to find which sights a reply names."""

    def __init__(self, records: list[dict]) -> None:
        self.display: dict[str, str] = {}
        by_lang: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
        for record in records:
            sight = record["id"]
            self.display[sight] = record["names"]["en"]
            for lang in LANGS:
                names = [record["names"].get(lang), *((record.get("aliases") or {}).get(lang) or [])]
                for name in filter(None, names):
                    by_lang[lang].setdefault(fold(name).strip(), sight)
        self.names = by_lang
        self._finders = {
            lang: re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
            for lang, names in by_lang.items()
        }

    @classmethod
    def load(cls, path: Path = ATTRACTIONS) -> Sights:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or [])

    def known(self, sight: str) -> bool:
        return sight in self.display

    def find(self, text: str, lang: str) -> list[str]:
        """Sights named in ``text`` by their ``lang`` names, in order (leftmost, then longest)."""
        return [self.names[lang][m.group(0)] for m in self._finders[lang].finditer(fold(text))]

    def listed(self, messages: list[str], lang: str) -> list[str]:
        """The sights of the list items among ``messages``, in order: each item's first sight."""
        found: list[str] = []
        for text in messages:
            if _LIST_ITEM.match(text):
                named = self.find(_LIST_ITEM.sub("", text, count=1), lang)
                if named and named[0] not in found:
                    found.append(named[0])
        return found


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def check_turn(expect: dict, messages: list[str], lang: str, last_list: list[str], templates: Templates,
               sights: Sights) -> list[str]:  # fmt: skip
    """What this turn's replies missed of ``expect`` (empty when it met every expectation).
    ``last_list``: the sights of the last list an earlier turn showed."""
    problems = []
    for name in expect.get("responses") or []:
        if not templates.said(name, lang, messages):
            problems.append(f"expected {name} ({templates.why_not(name, lang)})")
    anyof = expect.get("responses_any") or []
    if anyof and not any(templates.said(name, lang, messages) for name in anyof):
        problems.append(f"expected one of {', '.join(anyof)}")
    for name in expect.get("not_responses") or []:
        if templates.said(name, lang, messages):
            problems.append(f"did not expect {name}")
    named = {sight for text in messages for sight in sights.find(text, lang)}
    for sight in expect.get("mentions") or []:
        if sight not in named:
            problems.append(f"expected a mention of {sight} ({sights.display.get(sight, '?')})")
    position = expect.get("mentions_from_list")
    if position:
        if len(last_list) < position:
            problems.append(f"expected the {ordinal(position)} sight of the last list, but no earlier turn "
                            f"listed {position} sights (listed: {', '.join(last_list) or 'none'})")  # fmt: skip
        elif last_list[position - 1] not in named:
            sight = last_list[position - 1]
            problems.append(f"expected the {ordinal(position)} sight of the last list: {sight} "
                            f"({sights.display.get(sight, '?')})")  # fmt: skip
    joined = "\n".join(messages)
    for text in expect.get("contains") or []:
        if text not in joined:
            problems.append(f"expected the text {text!r}")
    for text in expect.get("not_contains") or []:
        if text in joined:
            problems.append(f"did not expect the text {text!r}")
    if expect.get("regex") and not any(re.search(expect["regex"], m, re.M) for m in messages):
        problems.append(f"expected a message matching /{expect['regex']}/")
    if expect.get("not_regex") and any(re.search(expect["not_regex"], m, re.M) for m in messages):
        problems.append(f"did not expect a message matching /{expect['not_regex']}/")
    return problems


# -- the conversation file ----------------------------------------------------------------------


def load_conversations(path: Path = CONVERSATIONS) -> list[dict]:
    conversations = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(conversations, list):
        raise ValueError(f"{path}: expected a list of conversations")
    return conversations


def multi_turn(conversation: dict) -> bool:
    return len(conversation.get("turns") or []) > 1


def validate(conversations: list[dict], templates: Templates, sights: Sights) -> list[str]:
    """Everything wrong with the conversation file (empty when it can be played)."""
    problems, seen = [], set()
    for index, conv in enumerate(conversations):
        where = f"conversation {index + 1} ({conv.get('id', '?') if isinstance(conv, dict) else '?'})"
        if not isinstance(conv, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if not conv.get("id") or not isinstance(conv["id"], str):
            problems.append(f"{where}: no id")
        elif conv["id"] in seen:
            problems.append(f"{where}: id used twice")
        seen.add(conv.get("id"))
        if unknown := set(conv) - CONVERSATION_KEYS:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if conv.get("lang") not in LANGS:
            problems.append(f"{where}: lang must be one of {LANGS}")
        if "variant" in conv and (conv.get("lang") != "zh-Hant" or conv["variant"] not in VARIANTS):
            problems.append(f"{where}: variant is for zh-Hant only, one of {VARIANTS}")
        if conv.get("skill") not in SKILLS:
            problems.append(f"{where}: skill must be one of {SKILLS}")
        if "follow_up" in conv and conv["follow_up"] not in FOLLOW_UPS:
            problems.append(f"{where}: follow_up must be one of {FOLLOW_UPS}")
        if "follow_up" in conv and not multi_turn(conv):
            problems.append(f"{where}: a follow_up needs more than one turn")
        turns = conv.get("turns")
        if not isinstance(turns, list) or not 1 <= len(turns) <= MAX_TURNS:
            problems.append(f"{where}: 1 to {MAX_TURNS} turns")
            continue
        for number, turn in enumerate(turns, start=1):
            problems += [f"{where} turn {number}: {p}" for p in _turn_problems(turn, number, templates, sights)]
    return problems


def _turn_problems(turn: object, number: int, templates: Templates, sights: Sights) -> list[str]:
    if not isinstance(turn, dict):
        return ["not a mapping"]
    problems = []
    if unknown := set(turn) - TURN_KEYS:
        problems.append(f"unknown keys {sorted(unknown)}")
    if not isinstance(turn.get("say"), str) or not turn["say"].strip():
        problems.append("nothing to say")
    if not isinstance(turn.get("metadata") or {}, dict):
        problems.append("metadata must be a mapping")
    expect = turn.get("expect")
    if not isinstance(expect, dict):
        return [*problems, "no expect"]
    if unknown := set(expect) - set(EXPECTATIONS):
        problems.append(f"unknown expectations {sorted(unknown)}")
    if not any(expect.get(key) for key in EXPECTATIONS):
        problems.append("no expectation")
    for key in ("responses", "responses_any", "not_responses"):
        for name in expect.get(key) or []:
            if not templates.known(name) and name not in NEW_RESPONSES:
                problems.append(f"{key}: {name} is not a response of bot/domain.yml")
    for sight in expect.get("mentions") or []:
        if not sights.known(sight):
            problems.append(f"mentions: {sight} is not in data/attractions.yaml")
    position = expect.get("mentions_from_list")
    if position is not None and (not isinstance(position, int) or position < 1 or number == 1):
        problems.append("mentions_from_list: a position from 1, after a turn that showed a list")
    for key in ("contains", "not_contains", "responses", "responses_any", "not_responses", "mentions"):
        if key in expect and not isinstance(expect[key], list):
            problems.append(f"{key} must be a list")
    for key in ("regex", "not_regex"):
        if key in expect:
            try:
                re.compile(expect[key])
            except (re.error, TypeError) as exc:
                problems.append(f"{key}: {exc}")
    return problems


# -- playing ------------------------------------------------------------------------------------


def say(rasa_url: str, sender: str, message: str, metadata: dict | None) -> list[dict]:
    """One turn through the REST channel; the bot's reply messages."""
    body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}}).encode()
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=TURN_SECONDS) as response:
        replies = json.loads(response.read() or b"[]")
    return replies if isinstance(replies, list) else []


def play(conv: dict, rasa_url: str, templates: Templates, sights: Sights, send=say) -> dict:
    """Play one conversation with a fresh sender id; the result with every turn's problems."""
    sender = f"eval-{conv['id']}-{uuid.uuid4().hex[:12]}"
    lang = conv["lang"]
    last_list: list[str] = []
    turns = []
    for turn in conv["turns"]:
        try:
            replies = send(rasa_url, sender, turn["say"], turn.get("metadata"))
            messages = [m["text"] for m in replies if isinstance(m, dict) and isinstance(m.get("text"), str)]
            problems = check_turn(turn["expect"], messages, lang, last_list, templates, sights)
            if not messages:
                problems.insert(0, "no reply")
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            messages, problems = [], [f"request failed: {exc}"]
        turns.append({"say": turn["say"], "said": messages, "problems": problems})
        last_list = sights.listed(messages, lang) or last_list
    return {
        "id": conv["id"], "lang": conv["lang"], "variant": conv.get("variant"), "skill": conv["skill"],
        "follow_up": conv.get("follow_up"), "multi_turn": multi_turn(conv),
        "passed": all(not t["problems"] for t in turns), "turns": turns,
    }  # fmt: skip


# -- the report ---------------------------------------------------------------------------------


def _rate(results: list[dict]) -> dict:
    passed = sum(r["passed"] for r in results)
    return {"passed": passed, "total": len(results), "rate": passed / len(results) if results else None}


def summarise(results: list[dict]) -> dict:
    """Pass rates by language (zh-Hant by variant too), skill, follow-up, turns, and overall."""
    by_lang: dict[str, list[dict]] = defaultdict(list)
    by_skill: dict[str, list[dict]] = defaultdict(list)
    by_follow_up: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_lang[r["lang"]].append(r)
        if r["lang"] == "zh-Hant":
            by_lang[f"zh-Hant ({r['variant'] or 'variant not given'})"].append(r)
        by_skill[r["skill"]].append(r)
        if r["follow_up"]:
            by_follow_up[r["follow_up"]].append(r)
    lang_order = ["en", "zh-Hant", *(f"zh-Hant ({v})" for v in (*VARIANTS, "variant not given")), "zh-Hans", "pt"]
    return {
        "by_language": {k: _rate(by_lang[k]) for k in lang_order if by_lang.get(k)},
        "by_skill": {k: _rate(by_skill[k]) for k in (*SKILLS, *sorted(set(by_skill) - set(SKILLS))) if by_skill.get(k)},
        "by_follow_up": {k: _rate(by_follow_up[k]) for k in FOLLOW_UPS if by_follow_up.get(k)},
        "by_turns": {"single-turn": _rate([r for r in results if not r["multi_turn"]]),
                     "multi-turn": _rate([r for r in results if r["multi_turn"]])},
        "overall": _rate(results),
    }  # fmt: skip


def _cell(rate: dict) -> str:
    share = f"{rate['rate']:.0%}" if rate["rate"] is not None else "-"
    return f"{share} | {rate['passed']} / {rate['total']}"


def _clip(text: str) -> str:
    one_line = " ".join(text.split()).replace("|", "\\|")
    return one_line if len(one_line) <= SAID_CHARS else one_line[: SAID_CHARS - 1] + "…"


def report(results: list[dict], summary: dict, source: str, played_at: str) -> str:
    lines = [
        "# Conversations (our own test set against the real stack)",
        "",
        f"{len(results)} conversations from `{source}` ({summary['by_turns']['multi-turn']['total']} multi-turn), "
        "each with a fresh sender id; a conversation passes when every turn meets its expectations. "
        f"The stack's clock started at {played_at} (Macau time).",
        "",
        f"**Overall: {_cell(summary['overall']).replace(' | ', ' (')})**",
        "",
    ]
    tables = (("language", "by_language"), ("skill", "by_skill"), ("follow-up", "by_follow_up"),
              ("turns", "by_turns"))  # fmt: skip
    for title, key in tables:
        if not summary[key]:
            continue
        lines += [f"| {title} | passed | conversations |", "|---|---|---|"]
        lines += [f"| {name} | {_cell(rate)} |" for name, rate in summary[key].items()]
        lines.append("")
    failed = [r for r in results if not r["passed"]]
    lines.append(f"## Failed conversations ({len(failed)})")
    lines.append("")
    for r in failed:
        variant = f"/{r['variant']}" if r["variant"] else ""
        lines.append(f"### {r['id']} ({r['lang']}{variant}, {r['skill']})")
        lines.append("")
        for number, turn in enumerate(r["turns"], start=1):
            mark = "FAIL" if turn["problems"] else "ok"
            lines.append(f"- turn {number} ({mark}): \"{_clip(turn['say'])}\"")
            for problem in turn["problems"]:
                lines.append(f"  - {problem}")
            if turn["problems"]:
                said = " / ".join(f"\"{_clip(m)}\"" for m in turn["said"]) or "(nothing)"
                lines.append(f"  - said: {said}")
        lines.append("")
    return "\n".join(lines) + "\n"


# -- the stack ----------------------------------------------------------------------------------


@contextlib.contextmanager
def stack(played_at: str) -> Iterator[str]:
    """`macau-guide run` on spare ports with a throw-away data directory, its clock started at
    ``played_at``; yields the Rasa URL."""
    with tempfile.TemporaryDirectory(prefix="eval-conversations-") as tmp:
        demo = start_demo(Path(tmp), f"eval-{uuid.uuid4().hex}", START_SECONDS, GUIDE_KIOSK_IDLE_SECONDS="25",
                          GUIDE_CLOCK_START=played_at)  # fmt: skip
        try:
            yield demo.rasa_url
        finally:
            stop_demo(demo.process)


# -- main ---------------------------------------------------------------------------------------


def evaluate(conversations: list[dict], rasa_url: str, templates: Templates, sights: Sights) -> list[dict]:
    results = []
    for number, conv in enumerate(conversations, start=1):
        result = play(conv, rasa_url, templates, sights)
        results.append(result)
        print(f"[{number}/{len(conversations)}] {'pass' if result['passed'] else 'FAIL'} {conv['id']}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=CONVERSATIONS, help="the conversations (YAML)")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="play only this conversation (an id or a glob such as 'pt-*'; repeatable)")
    parser.add_argument("--rasa-url", help="a running dialogue server (else the stack is started)")
    parser.add_argument("--at", default=PLAYED_AT, metavar="ISO",
                        help=f"the moment the started stack's clock starts at (default {PLAYED_AT})")
    args = parser.parse_args(argv)

    templates, sights = Templates.load(), Sights.load()
    conversations = load_conversations(args.file)
    if problems := validate(conversations, templates, sights):
        print(f"{args.file} is not valid:\n" + "\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 2
    if args.only:
        conversations = [c for c in conversations if any(fnmatch.fnmatchcase(c["id"], p) for p in args.only)]
        if not conversations:
            print(f"no conversation matches {args.only}", file=sys.stderr)
            return 2

    started = datetime.now(timezone.utc)
    try:
        if args.rasa_url:
            results = evaluate(conversations, args.rasa_url.rstrip("/"), templates, sights)
        else:
            print("starting the stack (`macau-guide run`; the model takes about a minute to load)...", flush=True)
            with stack(args.at) as rasa_url:
                results = evaluate(conversations, rasa_url, templates, sights)
    except StackDidNotStart as exc:
        print(f"`macau-guide run` did not come up:\n{exc}", file=sys.stderr)
        return 1

    source = os.path.relpath(args.file, ROOT) if args.file.is_absolute() else str(args.file)
    summary = summarise(results)
    text = report(results, summary, source, "that server's own clock" if args.rasa_url else args.at)
    print(text)
    if args.file.resolve() == CONVERSATIONS.resolve() and not args.only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "conversations.md").write_text(text, encoding="utf-8")
        payload = {"started_at": started.isoformat(), "file": source, "summary": summary, "conversations": results}
        (RESULTS / "conversations.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        print("(a partial set: bench/results/conversations.* left as they were)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
