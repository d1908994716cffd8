"""Streaming readers and writers for batch tagging: JSONL, CSV (French Excel and others), XLSX.

Readers yield one `Row` per record, in order, with the line number and the byte offset after it
(for resuming). A record that cannot be read (invalid JSON, broken quoting, wrong number of
fields, bytes the encoding cannot decode) becomes a Row with an error instead of stopping the run.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

FORMATS = ("jsonl", "csv", "xlsx")
SAMPLE_BYTES = 256 * 1024
MAX_RECORD_LINES = 200        # a quoted field running longer than this is taken as broken quoting
csv.field_size_limit(16 * 1024 * 1024)


class InputError(ValueError):
    """A problem with an input file that stops the run; the message names file, line and field."""


@dataclass
class Row:
    """One input record, or the reason it could not be read."""
    line: int
    record: dict | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    offset: int = 0            # byte offset just after this record (JSONL, CSV)


def detect_format(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    fmt = {"json": "jsonl", "ndjson": "jsonl", "tsv": "csv", "txt": "csv", "xlsm": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise InputError(f"{path.name} : format « {fmt or 'sans extension'} » non pris en charge "
                         f"(formats : {', '.join(FORMATS)}) ; précisez --format")
    return fmt


def open_reader(path: Path, fmt: str, sheet: str | None = None):
    if not path.is_file():
        raise InputError(f"{path} : fichier introuvable")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name} est vide : aucune ligne à étiqueter")
    return {"jsonl": JsonlReader, "csv": CsvReader, "xlsx": XlsxReader}[fmt](path, sheet)


# -- JSONL -------------------------------------------------------------------------------------
class JsonlReader:
    columns = None  # records bring their own fields

    def __init__(self, path: Path, sheet=None):
        if sheet is not None:
            raise InputError("--sheet ne s'applique qu'aux fichiers .xlsx")
        self.path = path

    def rows(self, offset: int = 0, line: int = 0):
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            for raw in handle:
                line += 1
                offset += len(raw)
                if not raw.strip():
                    continue
                notes = []
                try:
                    text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
                except UnicodeDecodeError as error:
                    text = raw.decode("cp1252", errors="replace")
                    notes.append(f"ligne {line} : octets non UTF-8 (position {error.start}), lue en Windows-1252")
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as error:
                    yield Row(line, None, f"{self.path.name}, ligne {line} : JSON invalide ({error.msg}, "
                                          f"colonne {error.colno})", offset=offset)
                    continue
                if not isinstance(record, dict):
                    yield Row(line, None, f"{self.path.name}, ligne {line} : un objet JSON {{...}} est attendu, "
                                          f"pas {type(record).__name__}", offset=offset)
                    continue
                yield Row(line, record, None, notes, offset)


# -- CSV ---------------------------------------------------------------------------------------
def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, or when it is UTF-8 with a few stray bytes
    (those rows are then reported); else the best of Windows-1252 / Latin-1."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    text = sample.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for c in text[:-3] if "\udc80" <= c <= "\udcff")  # the last bytes may be a cut character
    accented = sum(1 for c in text if ord(c) > 127 and not "\udc80" <= c <= "\udcff")
    if bad == 0 or (accented and bad <= accented):  # cp1252 French text almost never forms valid UTF-8
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1"]).best()
    return best.encoding if best else "cp1252"


def detect_dialect(text: str):
    """The CSV dialect, sniffed among the separators that the header line itself uses (a
    one-column file whose texts hold commas stays one column)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    header = lines[0] if lines else ""
    candidates = "".join(d for d in ";,\t|" if d in header)
    if not candidates:
        dialect = csv.excel()
        dialect.delimiter = "\x1f"  # a character no text uses: one column
        return dialect
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=candidates)
    except csv.Error:
        dialect = csv.excel()
        dialect.delimiter = max(candidates, key=header.count)
        return dialect


@dataclass
class _Line:
    text: str
    start: int
    size: int
    number: int


class _Lines:
    """Decoded lines with their byte offsets and numbers; lines can be pushed back."""

    def __init__(self, handle, encoding: str, offset: int, number: int):
        self.handle = handle
        self.encoding = "utf-8" if encoding == "utf-8-sig" and offset > 0 else encoding
        self.next_offset = offset
        self.number = number
        self.pending: deque[_Line] = deque()
        self.taken: list[_Line] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pending:
            line = self.pending.popleft()
        else:
            raw = self.handle.readline()
            if not raw:
                raise StopIteration
            self.number += 1
            text = raw.decode(self.encoding, errors="surrogateescape")
            if self.encoding == "utf-8-sig":  # the BOM belongs to the first line only
                self.encoding = "utf-8"
            line = _Line(text, self.next_offset, len(raw), self.number)
            self.next_offset += len(raw)
        self.taken.append(line)
        return line.text

    def push_back(self, lines: list[_Line]) -> None:
        self.pending.extendleft(reversed(lines))

    @property
    def offset(self) -> int:
        """Byte offset of the next line not yet taken."""
        return self.pending[0].start if self.pending else self.next_offset


class CsvReader:
    def __init__(self, path: Path, sheet=None, encoding: str | None = None):
        if sheet is not None:
            raise InputError("--sheet ne s'applique qu'aux fichiers .xlsx")
        self.path = path
        with open(path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        self.encoding = encoding or detect_encoding(sample)
        self.dialect = detect_dialect(sample.decode(self.encoding, errors="replace"))
        with open(path, "rb") as handle:
            lines = _Lines(handle, self.encoding, 0, 0)
            header = next(csv.reader(lines, self.dialect), None)
            self.header_offset, self.header_line = lines.offset, lines.number
        if not header or not any(h.strip() for h in header):
            raise InputError(f"{path.name} : pas de ligne d'en-tête (noms de colonnes) en ligne 1")
        self.columns = _unique([h.strip() for h in header])

    def rows(self, offset: int = 0, line: int = 0):
        if offset == 0:
            offset, line = self.header_offset, self.header_line
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            lines = _Lines(handle, self.encoding, offset, line)
            reader = csv.reader(lines, self.dialect)
            while True:
                lines.taken = []
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    fields, problem = None, f"guillemets mal fermés ({error})"
                    reader = csv.reader(lines, self.dialect)
                else:
                    problem = self._problem(fields, lines.taken)
                if fields == [] or (fields is not None and not any(f.strip() for f in fields) and problem is None):
                    continue  # a blank line is not a record
                first = lines.taken[0] if lines.taken else _Line("", lines.offset, 0, lines.number)
                if problem:
                    if len(lines.taken) > 1:  # re-read the lines a broken quote swallowed
                        lines.push_back(lines.taken[1:])
                        reader = csv.reader(lines, self.dialect)
                    yield Row(first.number, None, f"{self.path.name}, ligne {first.number} : {problem}",
                              offset=lines.offset)
                    continue
                yield Row(first.number, dict(zip(self.columns, fields)), offset=lines.offset)

    def _problem(self, fields: list[str], taken: list[_Line]) -> str | None:
        quote = self.dialect.quotechar
        if quote and sum(line.text.count(quote) for line in taken) % 2:  # doubled quotes keep it even
            return "guillemets mal fermés"
        if any("\udc80" <= c <= "\udcff" for f in fields for c in f):
            return f"octets invalides pour l'encodage {self.encoding}"
        if len(taken) > MAX_RECORD_LINES:
            return f"guillemet ouvert sur {len(taken)} lignes"
        if fields and len(fields) != len(self.columns) and any(f.strip() for f in fields):
            return f"{len(fields)} champs au lieu de {len(self.columns)} (guillemets ou séparateurs en trop ?)"
        return None


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for i, name in enumerate(names):
        name = name or f"colonne_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        result.append(name)
    return result


# -- XLSX --------------------------------------------------------------------------------------
class XlsxReader:
    def __init__(self, path: Path, sheet: str | None = None):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException
        from zipfile import BadZipFile

        self.path = path
        try:
            self.book = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError) as error:
            raise InputError(f"{path.name} : classeur Excel illisible ({error})") from None
        names = self.book.sheetnames
        if sheet is None:
            self.sheet = self.book[names[0]]
        elif sheet in names:
            self.sheet = self.book[sheet]
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            self.sheet = self.book[names[int(sheet) - 1]]
        else:
            raise InputError(f"{path.name} : feuille « {sheet} » introuvable ; feuilles : {', '.join(names)} "
                             "(par nom ou par numéro à partir de 1)")
        header = next(self.sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if not header or not any(h is not None and str(h).strip() for h in header):
            raise InputError(f"{path.name} : pas de ligne d'en-tête (noms de colonnes) en ligne 1")
        self.columns = _unique([_cell(h).strip() for h in header])

    def estimated_rows(self) -> int | None:
        return max(0, (self.sheet.max_row or 1) - 1) if self.sheet.max_row else None

    def rows(self, offset: int = 0, line: int = 1):
        line = max(line, 1)
        for values in self.sheet.iter_rows(min_row=line + 1, values_only=True):
            line += 1
            cells = [_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(self.columns) and any(c.strip() for c in cells[len(self.columns):]):
                yield Row(line, None, f"{self.path.name}, ligne {line} : valeurs hors des colonnes nommées",
                          offset=line)
                continue
            cells += [""] * (len(self.columns) - len(cells))
            yield Row(line, dict(zip(self.columns, cells)), offset=line)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# -- text of a record --------------------------------------------------------------------------
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


# -- writers -----------------------------------------------------------------------------------
SCORE_COLUMNS = [f"score_odd_{g}" for g in range(1, 18)]
ADDED_COLUMNS = ["odd_principal", "odd", *SCORE_COLUMNS, "avertissements"]
SDG_FIELDS = ("sdg_scores", "sdgs", "sdg_main", "warnings")


def flat_row(record: dict, columns: list[str], decimal: str = ",") -> list:
    """A tagged record as a spreadsheet row: input columns, then the added ones (CONTRACTS.md)."""
    scores = record.get("sdg_scores") or {}
    values = [_flat(record.get(c)) for c in columns]
    main = record.get("sdg_main")
    values += ["" if main is None else main, ";".join(map(str, record.get("sdgs") or []))]
    values += [scores.get(str(g), "") for g in range(1, 18)]
    values.append(" | ".join(record.get("warnings") or []))
    if decimal != ".":
        values = [f"{v}".replace(".", decimal) if isinstance(v, float) else v for v in values]
    return values


def _flat(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


@dataclass
class LineFormat:
    """How tagged records become lines of an appendable file: JSON Lines, or CSV for French Excel
    (';', decimal comma, UTF-8 with BOM, CRLF). Picklable, so worker processes format their rows."""
    kind: str = "jsonl"
    columns: list[str] | None = None
    delimiter: str = ";"
    decimal: str = ","

    def header(self) -> str:
        if self.kind == "jsonl":
            return ""
        return "\ufeff" + self._csv_line(self.columns + ADDED_COLUMNS)

    def line(self, record: dict) -> str:
        if self.kind == "jsonl":
            return json.dumps(record, ensure_ascii=False) + "\n"
        return self._csv_line(flat_row(record, self.columns, self.decimal))

    def _csv_line(self, values: list) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n").writerow(values)
        return buffer.getvalue()


def write_csv(records, path: Path, columns: list[str]) -> None:
    """CSV that French Excel opens as is: ';', decimal comma, UTF-8 with BOM."""
    form = LineFormat("csv", columns)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(form.header())
        for record in records:
            handle.write(form.line(record))


def write_xlsx(records, path: Path, columns: list[str]) -> None:
    """A streamed XLSX workbook with a styled, frozen header; scores as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet("ODD")
    sheet.freeze_panes = "A2"
    header = []
    for name in columns + ADDED_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="19486A")
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append([_excel_safe(v) for v in flat_row(record, columns, ".")])
    book.save(path)


def _excel_safe(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def fsync(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())
