"""Files in and out of the store: CSV, JSON and YAML, each row with the line it starts on.

CSV columns are dotted paths into the record (``names.en``, ``location.lat``); lists and
mappings are written as JSON inside the cell (``["mon", "tue"]``). YAML and JSON files are
lists of records exactly as in ``data/``: export, edit, import again.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import yaml

FORMATS = ("csv", "json", "yaml")
# Cells read as numbers in CSV; every other plain cell stays text (a phone number is text).
NUMERIC_FIELDS = frozenset({"lat", "lon", "adult_mop", "visit_minutes", "price_mop", "discount_percent"})
CONTENT_TYPES = {"csv": "text/csv", "json": "application/json", "yaml": "application/yaml"}


class FileFormatError(ValueError):
    """The file cannot be read at all (not one bad row: a broken file)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Row:
    number: int
    line: int
    doc: object


def format_for(content_type: str, name: str | None = None) -> str | None:
    """``csv``, ``json`` or ``yaml`` from a content type or a file name."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    for fmt, known in CONTENT_TYPES.items():
        if content_type == known or content_type.endswith(f"/{fmt}") or content_type.endswith(f"+{fmt}"):
            return fmt
    if content_type in ("text/yaml", "application/x-yaml", "text/x-yaml"):
        return "yaml"
    if name and "." in name:
        ext = name.rsplit(".", 1)[1].lower()
        return {"yml": "yaml"}.get(ext, ext) if ext in (*FORMATS, "yml") else None
    return None


def _cell(path: str, value: str) -> object:
    value = value.strip()
    if value[:1] in "[{":
        return json.loads(value)
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    if path.rsplit(".", 1)[-1] in NUMERIC_FIELDS:
        try:
            return int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def _unflatten(flat: dict[str, object]) -> dict:
    doc: dict = {}
    for path, value in flat.items():
        node = doc
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"column {path} conflicts with another column")
        node[parts[-1]] = value
    return doc


def read_rows(data: bytes, fmt: str) -> list[Row]:
    """The records of an uploaded file; FileFormatError when it cannot be parsed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError("the file is not UTF-8 text") from exc
    if fmt == "csv":
        return _read_csv(text)
    if fmt == "json":
        return _read_json(text)
    if fmt == "yaml":
        return _read_yaml(text)
    raise FileFormatError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")


def _read_csv(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise FileFormatError("the first line must name the columns, `id` among them", 1)
    rows = []
    for number, raw in enumerate(reader, start=1):
        line = reader.line_num
        if None in raw:
            raise FileFormatError("more cells than columns", line)
        try:
            flat = {path: _cell(path, value) for path, value in raw.items() if value is not None and value.strip()}
            rows.append(Row(number, line, _unflatten(flat)))
        except ValueError as exc:  # includes bad JSON in a cell
            raise FileFormatError(f"cannot read a cell: {exc}", line) from exc
    return rows


def _read_json(text: str) -> list[Row]:
    decoder = json.JSONDecoder()
    pos = len(text) - len(text.lstrip())
    if not text[pos:pos + 1] == "[":
        raise FileFormatError("a JSON file must hold a list of records", 1)
    pos += 1
    rows: list[Row] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise FileFormatError("the list is not closed", text.count("\n") + 1)
        if text[pos] == "]":
            return rows
        line = text.count("\n", 0, pos) + 1
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"not valid JSON: {exc.msg}", exc.lineno) from exc
        rows.append(Row(len(rows) + 1, line, doc))


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases where it meets them, before anything is built:
    an alias repeats its anchor's node, so a few hundred bytes of aliases of aliases ("billion
    laughs") would stand for megabytes of records to check and store."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise FileFormatError("YAML anchors and aliases (&name, *name, <<: *name) are not accepted: "
                                  "write each record out in full", event.start_mark.line + 1)  # fmt: skip
        return super().compose_node(parent, index)


def _read_yaml(text: str) -> list[Row]:
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        docs = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FileFormatError(f"not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()
    if docs is None:
        return []
    if not isinstance(docs, list) or not isinstance(node, yaml.SequenceNode):
        raise FileFormatError("a YAML file must hold a list of records", 1)
    return [Row(n, item.start_mark.line + 1, doc) for n, (item, doc) in enumerate(zip(node.value, docs), start=1)]


def _flatten(doc: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and path.count(".") < 1 and key not in ("by_day",):
            flat.update(_flatten(value, f"{path}."))
        elif isinstance(value, (list, dict)):
            flat[path] = json.dumps(value, ensure_ascii=False)
        elif value is None:
            flat[path] = "null"
        elif isinstance(value, bool):
            flat[path] = "true" if value else "false"
        else:
            flat[path] = str(value)
    return flat


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two records out twice: the import refuses aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_rows(docs: list[dict], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(docs, ensure_ascii=False, indent=2).encode()
    if fmt == "yaml":
        return yaml.dump(docs, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False).encode()
    if fmt == "csv":
        flats = [_flatten(doc) for doc in docs]
        columns = list(dict.fromkeys(["id", *(c for flat in flats for c in flat)]))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(flats)
        return out.getvalue().encode()
    raise FileFormatError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
