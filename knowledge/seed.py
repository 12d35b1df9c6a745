"""Read the seed knowledge in ``data/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.attractions import Attraction, parse_attractions
from knowledge.lexicon import Lexicon

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Seed:
    attractions: list[Attraction]
    lexicon: Lexicon


def _load_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_lexicon(data_dir: Path = DEFAULT_DATA_DIR) -> Lexicon:
    words = data_dir / "request_words.yaml"
    return Lexicon.from_dicts(
        _load_yaml(data_dir / "interests.yaml"),
        _load_yaml(data_dir / "categories.yaml"),
        _load_yaml(words) if words.exists() else None,
    )


def load_attraction_rows(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict]:
    """The raw rows of ``attractions.yaml`` (not yet validated)."""
    return _load_yaml(data_dir / "attractions.yaml") or []


def load_seed(data_dir: Path = DEFAULT_DATA_DIR) -> Seed:
    """Load and validate every seed file; raises ``ValidationError`` on bad rows."""
    lexicon = load_lexicon(data_dir)
    return Seed(attractions=parse_attractions(load_attraction_rows(data_dir), lexicon.interests), lexicon=lexicon)


def load_records(kind: str, data_dir: Path = DEFAULT_DATA_DIR) -> list:
    """The seed records of one kind (``merchants``, ``promotions``, ...), validated one by one;
    references between records are the store's to check."""
    from knowledge.checks import ValidationError
    from knowledge.kinds import all_kinds

    spec = all_kinds(load_lexicon(data_dir).interests)[kind]
    records, errors = [], []
    for row, raw in enumerate(_load_yaml(data_dir / spec.seed_file) or [], start=1):
        record, row_errors = spec.parse(raw, row)
        errors += row_errors
        if record is not None:
            records.append(record)
    if errors:
        raise ValidationError(errors)
    return records
