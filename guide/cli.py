"""``macau-guide``: serve the guide service, run the whole demo, export NLU words, check data."""

from __future__ import annotations

import argparse
import re
import socket
import sys
from datetime import datetime, timedelta, timezone

from guide import logs
from guide.settings import Settings, SettingsError, kiosk_registry_path


class CliError(Exception):
    """An error the user can fix; printed without a traceback."""


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from aiohttp import web

    from guide.app import create_app
    from guide.logs import RouteAccessLogger
    from guide.payments import refuse_sandbox

    if not settings.action_token:  # the action endpoint acts in any conversation it is told of
        raise SystemExit("GUIDE_ACTION_TOKEN is not set: the action endpoint (POST /webhook) would be open to anyone. "
                         "Set it to a long random secret, the same one the dialogue server sends "
                         "(`make run` makes one).")
    refuse_sandbox(settings)  # before the encoder loads: production takes no fake money
    # Route patterns instead of aiohttp's default line, which has the client's address and the raw path (tokens).
    web.run_app(create_app(settings), host=settings.host, port=settings.port, sock=action_socket(settings),
                print=None, access_log_class=RouteAccessLogger)  # fmt: skip


def action_socket(settings: Settings) -> socket.socket | None:
    """The listening socket of GUIDE_ACTION_PORT (beside the main port), or None when it is 0."""
    if not settings.action_port:
        return None
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    return socket.create_server((settings.host, settings.action_port), family=family)


def _run(args: argparse.Namespace, settings: Settings) -> None:
    from guide.ops.stack import Stack, StackError

    try:
        stack = Stack.from_settings(settings)
        stack.run_forever()
    except StackError as exc:
        raise CliError(str(exc)) from exc


def _run_scaled(args: argparse.Namespace, settings: Settings) -> None:
    from guide.ops.scaled import scaled_stack
    from guide.ops.stack import StackError

    try:
        scaled_stack(settings, replicas=args.replicas).run_forever()
    except (StackError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc


def _nlu_dictionary(args: argparse.Namespace, settings: Settings) -> None:
    from guide.ops.nlu_export import INTERESTS, PLACES, USERDICT, render_interests, render_places, render_userdict

    for path, text in ((USERDICT, render_userdict(settings.seed_dir)), (PLACES, render_places(settings.seed_dir)),
                       (INTERESTS, render_interests(settings.seed_dir))):
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CliError(f"{path} is out of date; run `macau-guide nlu-dictionary`")
            print(f"{path} is up to date")
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({text.count(chr(10)) - 1} lines)")


def _validate_data(args: argparse.Namespace, settings: Settings) -> None:
    """Load every seed file into a throw-away in-memory store: the same checks as at start."""
    from knowledge.kinds import all_kinds
    from knowledge.seed import load_lexicon
    from knowledge.store import InvalidRecord, KnowledgeStore

    store = KnowledgeStore("sqlite://", all_kinds(load_lexicon(settings.seed_dir).interests))
    try:
        store.migrate()
        written = store.seed_if_empty(settings.seed_dir)
    except InvalidRecord as exc:
        raise CliError("\n".join(str(e) for e in exc.errors)) from exc
    finally:
        store.close()
    print(f"valid: {', '.join(f'{n} {kind}' for kind, n in written.items())} in {settings.seed_dir}")


def _simulate_crowd(args: argparse.Namespace, settings: Settings) -> None:
    """Serve the crowd simulator's feed (what `make run` polls for the demo)."""
    from aiohttp import web

    from knowledge.seed import load_seed
    from recommender.clock import clock_from
    from recommender.crowd.profiles import Profiles
    from recommender.crowd.simulator import CrowdSimulator, simulator_app

    seed = load_seed(settings.seed_dir)
    targets = {a.id: a.category for a in seed.attractions if a.is_operating}
    profiles = Profiles.load(settings.seed_dir / "crowd_profiles.yaml", targets)
    app = simulator_app(CrowdSimulator(profiles, seed=args.seed), sorted(targets), clock_from(settings.clock_start))
    print(f"crowd feed at http://{settings.host}:{args.port}/feed.json")
    web.run_app(app, host=settings.host, port=args.port, print=None)


def _payment_sandbox(args: argparse.Namespace, settings: Settings) -> None:
    """Serve the payment sandbox (Alipay+ and WeChat Pay formats) that `make run` pays through."""
    from aiohttp import web

    from payments.sandbox.credentials import ensure_keys
    from payments.sandbox.server import Sandbox

    keys = ensure_keys(settings.sandbox_keys_dir)
    public = args.public_url or f"http://{settings.host}:{args.port}"
    print(f"payment sandbox at {public} (credentials in {keys.folder})")
    web.run_app(Sandbox(keys, public).app(), host=settings.host, port=args.port, print=None)


def _crowd_backtest(args: argparse.Namespace, settings: Settings) -> None:
    """Fit on a history file before a date, forecast every later hour at each horizon, write the rows."""
    from recommender.crowd.backtest import BacktestError, parse_train_until, run_backtest
    from recommender.crowd.history import HistoryError, read_history

    try:
        horizons = tuple(sorted({int(h) for h in args.horizons.split(",") if h.strip()}))
    except ValueError:
        raise CliError(f"--horizons {args.horizons!r}: give whole hours separated by commas, e.g. 1,4,24,168") from None
    try:
        history = read_history(args.history)
        result = run_backtest(history, parse_train_until(args.train_until), horizons, holidays=args.holidays,
                              max_iter=args.max_iter)  # fmt: skip
        written = result.write_csv(args.out)
    except (HistoryError, BacktestError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    print(f"{len(history)} rows, {result.places} places; fitted on {result.train_rows} rows in "
          f"{result.fit_seconds:.1f} s; wrote {written} predictions to {args.out} ({result.seconds:.0f} s in all)")
    print("| method | " + " | ".join(f"{h} h" for h in horizons) + " |")
    print("|---|" + "---:|" * len(horizons))
    for method, by_horizon in result.metrics().items():
        print(f"| {method} MAE | " + " | ".join(f"{by_horizon[str(h)]['mae']:.3f}" for h in horizons) + " |")
    model = result.metrics()["model"]
    print("| model level>=4 recall / precision | "
          + " | ".join(f"{model[str(h)]['recall4']:.2f} / {model[str(h)]['precision4']:.2f}" for h in horizons) + " |")


def _crowd_import(args: argparse.Namespace, settings: Settings) -> None:
    """Import a history file (CSV or .csv.gz) into the crowd history of the knowledge database."""
    from guide.app import open_store
    from recommender.crowd.archive import ObservationArchive
    from recommender.crowd.history import HistoryError
    from recommender.crowd.importer import HistoryImportError, import_history
    from recommender.crowd.profiles import Profiles

    store = open_store(settings)
    try:
        sights = {r.id: r.doc.get("category", "") for r in store.list("attractions")}
        profiles = Profiles.load(settings.seed_dir / "crowd_profiles.yaml", dict(sights))
        done = import_history(ObservationArchive(store.engine), args.file, set(sights), allow_unknown=args.allow_unknown,
                              method=args.levels, level_for=lambda t, v: profiles.profile(t).level_for(v))  # fmt: skip
    except (HistoryError, HistoryImportError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
    left = f"; left out the rows of {len(done.unknown)} unknown ids: {', '.join(done.unknown[:20])}" if done.unknown else ""
    print(f"imported {done.rows} rows, {done.new} new ({done.rows - done.new} already kept){left}")


_DURATION = re.compile(r"^(?P<n>[1-9][0-9]{0,5})(?P<unit>[mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def token_expiry(expires_in: str | None, expires_at: str | None, now: datetime) -> datetime | None:
    """When a new token stops working: ``--expires-in 30d`` (m, h, d, w) or ``--expires-at`` an ISO time
    with its UTC offset; None (never) without either."""
    if expires_in is not None:
        match = _DURATION.match(expires_in.strip())
        if not match:
            raise CliError(f"--expires-in {expires_in!r}: give a number and a unit, e.g. 90m, 12h, 30d or 8w")
        return now + timedelta(**{_UNITS[match["unit"]]: int(match["n"])})
    if expires_at is None:
        return None
    try:
        when = datetime.fromisoformat(expires_at.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--expires-at {expires_at!r} is not an ISO 8601 time, e.g. 2026-03-31T18:00+08:00") from None
    if when.tzinfo is None:
        raise CliError(f"--expires-at {expires_at!r} has no UTC offset: add one, e.g. {expires_at}+08:00 (Macau) or Z")
    if when <= now:
        raise CliError(f"--expires-at {expires_at!r} is already past: give a time in the future")
    return when.astimezone(timezone.utc)


def _create_token(args: argparse.Namespace, settings: Settings) -> None:
    from guide.app import open_store
    from knowledge.tokens import Role, create_token

    now = datetime.now(timezone.utc)
    expires_at = token_expiry(args.expires_in, args.expires_at, now)
    name = args.name or f"{args.role}-token"
    store = open_store(settings)
    try:
        token = create_token(store, Role(args.role), name, expires_at=expires_at, now=now)
    finally:
        store.close()
    until = f", expires {expires_at.isoformat(timespec='minutes')}" if expires_at else ", never expires"
    print(f"{args.role} token for {name}{until} (shown once; keep it secret):")
    print(token)


def _list_tokens(args: argparse.Namespace, settings: Settings) -> None:
    from guide.app import open_store
    from knowledge.tokens import list_tokens

    now = datetime.now(timezone.utc)
    store = open_store(settings)
    try:
        tokens = list_tokens(store)
    finally:
        store.close()
    shown = [t for t in tokens if args.all or t.active(now)]
    if not shown:
        print("no active tokens" + ("" if args.all else " (--all shows revoked and expired ones)"))
        return

    def at(value: datetime | None) -> str:
        return value.isoformat(timespec="minutes") if value else "-"

    print(f"{'id':<12}  {'role':<6}  {'created':<25}  {'expires':<25}  {'state':<8}  name")
    for t in shown:
        state = "revoked" if t.revoked_at else ("active" if t.active(now) else "expired")
        print(f"{t.id:<12}  {t.role.value:<6}  {at(t.created_at):<25}  {at(t.expires_at):<25}  {state:<8}  {t.name}")


def _revoke_token(args: argparse.Namespace, settings: Settings) -> None:
    from guide.app import open_store
    from knowledge.tokens import revoke_token

    store = open_store(settings)
    try:
        if not revoke_token(store, args.token_id):
            raise CliError(f"no active token with id {args.token_id!r} (the part after mg_)")
    finally:
        store.close()
    print(f"revoked {args.token_id}")


def _forget_conversations(args: argparse.Namespace, settings: Settings) -> None:
    """Delete conversations idle for the retention period now (the guide service also does it hourly)."""
    from datetime import datetime, timezone

    from sqlalchemy.exc import SQLAlchemyError

    from guide.app import open_store
    from guide.retention import RetentionError, forget

    days = settings.conversation_retention_days if args.days is None else args.days
    if days <= 0:
        raise CliError("retention is off (GUIDE_CONVERSATION_RETENTION_DAYS=0): pass --days N to forget "
                       "conversations idle for N days")  # fmt: skip
    store = open_store(settings)
    try:
        gone = forget(settings.tracker_url, store.engine, days, datetime.now(timezone.utc))
    except (SQLAlchemyError, RetentionError) as exc:
        raise CliError(f"retention stopped: {exc}") from exc
    finally:
        store.close()
    print(f"forgot {gone.conversations} conversation(s) ({gone.events} events) idle for more than {days} days")
    print(f"cleared the conversation id of {gone.orders} payment order(s); deleted {gone.handoffs} kiosk handoff(s)")


def _kiosk_registry(settings: Settings):
    from guide.kiosk_registry import KioskRegistry

    return KioskRegistry(kiosk_registry_path(settings))


def _kiosk_token(args: argparse.Namespace, settings: Settings) -> None:
    from guide.app import open_store

    store = open_store(settings)
    try:
        kiosk = next((k for k in store.load("kiosks") if k.id == args.kiosk_id), None)
    finally:
        store.close()
    if kiosk is None:
        raise CliError(f"no kiosk {args.kiosk_id!r} in the knowledge base")
    token = _kiosk_registry(settings).issue(kiosk)
    print(f"token for kiosk {kiosk.id} (shown once; keep it on the kiosk only):")
    print(token)
    print(f"open the kiosk at {settings.base_url}/kiosk/{kiosk.id}#token={token}")


def _kiosk_revoke(args: argparse.Namespace, settings: Settings) -> None:
    count = _kiosk_registry(settings).revoke(args.kiosk_id)
    if not count:
        raise CliError(f"kiosk {args.kiosk_id!r} has no token")
    print(f"revoked {count} token(s) of kiosk {args.kiosk_id}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="macau-guide", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the guide service (port 8000)").set_defaults(func=_serve)
    commands.add_parser("run", help="run the dialogue server and the guide service together").set_defaults(func=_run)
    scaled = commands.add_parser("run-scaled", help="run replicas of both behind nginx on PostgreSQL and Redis")
    scaled.add_argument("--replicas", type=int, default=2, choices=range(1, 9), metavar="N",
                        help="replicas of each service (default 2)")
    scaled.set_defaults(func=_run_scaled)
    nlu = commands.add_parser("nlu-dictionary", help="write bot/nlu/userdict.txt, places.tsv and interests.tsv from data/")
    nlu.add_argument("--check", action="store_true", help="fail if the file is out of date")
    nlu.set_defaults(func=_nlu_dictionary)
    commands.add_parser("validate-data", help="check the seed files in data/").set_defaults(func=_validate_data)
    simulate = commands.add_parser("simulate-crowd", help="serve a simulated crowd feed (Seoul-style JSON)")
    simulate.add_argument("--port", type=int, default=8300)
    simulate.add_argument("--seed", type=int, default=7)
    simulate.set_defaults(func=_simulate_crowd)
    sandbox = commands.add_parser("payment-sandbox", help="serve the payment sandbox (Alipay+ and WeChat Pay formats)")
    sandbox.add_argument("--port", type=int, default=8400)
    sandbox.add_argument("--public-url", default="", help="the sandbox's URL as browsers reach it")
    sandbox.set_defaults(func=_payment_sandbox)
    admin = commands.add_parser("admin", help="manage the admin API").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create-token", help="create a bearer token for the admin API")
    create.add_argument("--role", required=True, choices=["viewer", "editor", "feed", "admin"])
    create.add_argument("--name", help="who or what holds it (shown in the audit log)")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument("--expires-in", metavar="N{m,h,d,w}", help="stop working after this long, e.g. 30d")
    expiry.add_argument("--expires-at", metavar="TIME",
                        help="stop working at this ISO time, e.g. 2026-03-31T18:00+08:00")  # fmt: skip
    create.set_defaults(func=_create_token)
    listing = admin.add_parser("list-tokens", help="list tokens: id, role, created, expires, state, name")
    listing.add_argument("--all", action="store_true", help="revoked and expired ones too")
    listing.set_defaults(func=_list_tokens)
    revoke = admin.add_parser("revoke-token", help="revoke a token by its id (mg_<id>_...)")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=_revoke_token)
    forget = commands.add_parser("forget-conversations", help="delete conversations idle for the retention period")
    forget.add_argument("--days", type=int, help="idle over N days (default: GUIDE_CONVERSATION_RETENTION_DAYS)")
    forget.set_defaults(func=_forget_conversations)
    kiosk = commands.add_parser("kiosk", help="kiosk tokens").add_subparsers(dest="kiosk_command", required=True)
    token = kiosk.add_parser("token", help="issue a token for a kiosk (it opens /kiosk/<id>#token=...)")
    token.add_argument("kiosk_id")
    token.set_defaults(func=_kiosk_token)
    revoke_kiosk = kiosk.add_parser("revoke", help="revoke every token of a kiosk")
    revoke_kiosk.add_argument("kiosk_id")
    revoke_kiosk.set_defaults(func=_kiosk_revoke)
    crowd = commands.add_parser("crowd", help="crowd history and forecasts").add_subparsers(dest="crowd_command",
                                                                                           required=True)  # fmt: skip
    backtest = crowd.add_parser("backtest", help="fit on history before a date, forecast after it, write the rows")
    backtest.add_argument("--history", required=True, help="CSV or .csv.gz: target_id, observed_at, headcount or level")
    backtest.add_argument("--train-until", required=True, help="fit on rows before this date, e.g. 2014-01-01")
    backtest.add_argument("--horizons", default="1,4,24,168", help="hours ahead, e.g. 1,4,24,168")
    backtest.add_argument("--out", required=True, help="where to write the predictions CSV")
    backtest.add_argument("--holidays", default="MO,CN",
                          help="holiday calendars (python-holidays codes), default MO,CN; AU-VIC for Melbourne")
    backtest.add_argument("--max-iter", type=int, default=200, help="boosting rounds (default 200)")
    backtest.set_defaults(func=_crowd_backtest)
    history = crowd.add_parser("import-history", help="import past counts (CSV or .csv.gz) into the crowd history")
    history.add_argument("file", help="CSV or .csv.gz: target_id, observed_at (with its UTC offset), headcount or level")
    history.add_argument("--allow-unknown", action="store_true", help="leave out rows of ids that are not sights")
    history.add_argument("--levels", choices=("quantiles", "capacity"), default="quantiles",
                         help="headcounts to levels by each sight's quantiles in the file (default) or its capacity")
    history.set_defaults(func=_crowd_import)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logs.configure(settings.log_level, settings.log_format)
        args.func(args, settings)
    except (CliError, SettingsError) as exc:
        print(f"macau-guide: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
