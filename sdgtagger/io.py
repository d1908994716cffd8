"""Streaming readers and writers for batch tagging (JSONL; CSV/XLSX plug in here)."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("jsonl",)


class InputError(ValueError):
    """A problem with an input file that stops the run; the message names file, line and field."""


@dataclass
class Row:
    """One input record, or the reason it could not be read."""
    line: int
    record: dict | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def detect_format(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    if fmt == "json":
        fmt = "jsonl"
    if fmt not in FORMATS:
        raise InputError(f"{path.name} : format « {fmt or 'sans extension'} » non pris en charge "
                         f"(formats : {', '.join(FORMATS)}) ; précisez --format")
    return fmt


def read_jsonl(path: Path):
    """Rows of a JSON Lines file, one per non-blank line; bad lines become rows with an error."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            notes = []
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                line = raw.decode("cp1252", errors="replace")
                notes.append(f"ligne {number} : octets non UTF-8 (position {error.start}), lue en Windows-1252")
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Row(number, None, f"{path.name}, ligne {number} : JSON invalide ({error.msg}, "
                                        f"colonne {error.colno})")
                continue
            if not isinstance(record, dict):
                yield Row(number, None, f"{path.name}, ligne {number} : un objet JSON {{...}} est attendu, "
                                        f"pas {type(record).__name__}")
                continue
            yield Row(number, record, None, notes)


def read_rows(path: Path, fmt: str):
    if not path.is_file():
        raise InputError(f"{path} : fichier introuvable")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name} est vide : aucune ligne à étiqueter")
    return read_jsonl(path)


def text_of(record: dict, fields: list[str]) -> tuple[str, list[str]]:
    """The record's text (fields joined in order) and warnings about missing or odd fields."""
    parts, notes = [], []
    for name in fields:
        value = record.get(name)
        if value is None:
            notes.append(f"champ « {name} » absent")
        elif isinstance(value, str):
            if value.strip():
                parts.append(value.strip())
        elif isinstance(value, (int, float)):
            parts.append(str(value))
        else:
            notes.append(f"champ « {name} » n'est pas du texte ({type(value).__name__})")
    return "\n".join(parts), notes


class AtomicWriter:
    """Writes lines to a temporary file beside the target; the target appears only on commit."""

    def __init__(self, path: Path, encoding: str = "utf-8"):
        self.path = path
        self.encoding = encoding

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        self.handle = os.fdopen(fd, "w", encoding=self.encoding, newline="")
        return self

    def write_json(self, record: dict) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def __exit__(self, kind, value, traceback):
        self.handle.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False
