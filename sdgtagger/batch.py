"""Batch annotation of an archive: stream rows in, tag them (in worker processes if asked), write
every row out in input order; crash-safe and resumable.

While it runs, tagged records go to `OUT.partial` (CSV lines when a CSV or XLSX input goes to a
CSV output, so that nothing is converted at the end; JSON Lines otherwise) and unreadable rows to
`OUT.erreurs.jsonl.partial`; after each chunk both are flushed to disk and `OUT.partial.state.json`
records how far the run got (rows, byte offsets in the input and in both files). `--resume`
truncates the partial files to the last recorded point and goes on from there, so a run killed at
any moment and resumed writes exactly what an uninterrupted run writes. At the end the partial
file becomes OUT (converted to CSV or XLSX when asked) with an atomic rename.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .io import (InputError, LineFormat, SDG_FIELDS, detect_format, fsync, open_reader, text_of, write_csv,
                 write_xlsx)

CHUNK_ROWS = 1000


@dataclass
class Options:
    text_fields: list[str] = field(default_factory=lambda: ["text"])
    id_field: str | None = None
    in_format: str | None = None
    out_format: str | None = None
    sheet: str | None = None
    jobs: int = 1
    resume: bool = False
    force: bool = False
    progress: bool = False


@dataclass
class Summary:
    rows: int = 0
    warnings: int = 0
    errors: int = 0
    seconds: float = 0.0
    resumed_from: int = 0
    errors_path: Path | None = None
    messages: list[str] = field(default_factory=list)

    def french(self) -> str:
        rate = (self.rows - self.resumed_from) / self.seconds if self.seconds else 0.0
        text = (f"{self.rows} lignes traitées en {self.seconds:.1f} s ({rate:.0f} lignes/s), "
                f"{self.warnings} avec avertissement, {self.errors} en erreur")
        if self.resumed_from:
            text += f" (reprise après la ligne n° {self.resumed_from})"
        if self.errors:
            text += f" : voir {self.errors_path}"
        return text


def errors_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".erreurs.jsonl")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _state_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial.state.json")


def annotate(tagger, input_path: Path, output_path: Path, options: Options | None = None) -> Summary:
    """Tag every row of ``input_path`` into ``output_path``; see the module docstring."""
    options = options or Options()
    in_fmt = detect_format(input_path, options.in_format)
    out_fmt = detect_format(output_path, options.out_format)
    errors_path = errors_path_for(output_path)
    partial, errors_partial, state_path = _partial(output_path), _partial(errors_path), _state_path(output_path)
    resuming = options.resume and state_path.exists()
    if output_path.exists() and not options.force and not resuming:
        raise InputError(f"{output_path} existe déjà : ajoutez --force pour le remplacer")
    if output_path.resolve() == input_path.resolve():
        raise InputError(f"{output_path} : la sortie ne peut pas remplacer l'entrée")
    reader = open_reader(input_path, in_fmt, options.sheet)
    _check_columns(reader, options, input_path)
    identity = _identity(input_path, in_fmt, options)

    state = None
    if state_path.exists() and not options.force:
        if not options.resume:
            raise InputError(f"une exécution interrompue a laissé {partial.name} : relancez avec --resume pour "
                             "la continuer, ou --force pour repartir de zéro")
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("identity") != identity:
            raise InputError(f"{input_path.name} ou les options ont changé depuis l'exécution interrompue : "
                             "--resume impossible, relancez avec --force")
    elif options.resume and not state_path.exists():
        raise InputError(f"rien à reprendre pour {output_path.name} (pas de {state_path.name})")
    if state is None:
        direct_csv = out_fmt == "csv" and reader.columns is not None
        state = {"identity": identity, "rows": 0, "warnings": 0, "errors": 0, "in_offset": 0, "in_line": 0,
                 "out_bytes": 0, "errors_bytes": 0, "columns": reader.columns, "complete": False,
                 "partial_format": "csv" if direct_csv else "jsonl"}
        for path in (partial, errors_partial):
            path.unlink(missing_ok=True)
        header = LineFormat(state["partial_format"], reader.columns).header().encode("utf-8")
        with open(partial, "wb") as handle:
            handle.write(header)
            fsync(handle)
        state["out_bytes"] = len(header)
        _write_state(state_path, state)  # from now on, an interrupted run can be resumed

    summary = Summary(rows=state["rows"], warnings=state["warnings"], errors=state["errors"],
                      resumed_from=state["rows"], errors_path=errors_path)
    start = time.perf_counter()
    if not state["complete"]:
        _run(tagger, reader, options, state, state_path, partial, errors_partial, summary)
    _finish(partial, errors_partial, output_path, errors_path, out_fmt, state, state_path)
    summary.seconds = time.perf_counter() - start
    return summary


def _run(tagger, reader, options, state, state_path, partial, errors_partial, summary):
    with open(partial, "ab") as out, open(errors_partial, "ab") as errors:
        out.truncate(state["out_bytes"])  # drop whatever was written after the last checkpoint
        errors.truncate(state["errors_bytes"])
        rows = reader.rows(state["in_offset"], state["in_line"])
        form = LineFormat(state["partial_format"], state["columns"])
        bar = _progress_bar(reader, options, state["rows"])
        try:
            for chunk, lines, error_lines, warned in _tag_chunks(tagger, rows, options, form):
                out.write("".join(lines).encode("utf-8"))
                errors.write("".join(error_lines).encode("utf-8"))
                fsync(out)
                fsync(errors)
                last = chunk[-1]
                state.update(rows=state["rows"] + len(chunk), warnings=state["warnings"] + warned,
                             errors=state["errors"] + len(error_lines), in_offset=last.offset, in_line=last.line,
                             out_bytes=out.tell(), errors_bytes=errors.tell())
                room = max(0, 20 - len(summary.messages))
                summary.messages.extend(json.loads(e)["error"] for e in error_lines[:room])
                _write_state(state_path, state)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    state["complete"] = True
    _write_state(state_path, state)
    summary.rows, summary.warnings, summary.errors = state["rows"], state["warnings"], state["errors"]


def _tag_chunks(tagger, rows, options: Options, form: LineFormat):
    """(rows, output lines, error lines, rows with warnings) per chunk, in input order."""
    chunks = iter(lambda: list(islice(rows, CHUNK_ROWS)), [])
    if options.jobs <= 1:
        for chunk in chunks:
            yield (chunk, *tag_chunk(tagger, chunk, options.text_fields, form))
        return
    yield from _parallel(tagger, chunks, options, form)


def tag_chunk(tagger, chunk, text_fields, form: LineFormat) -> tuple[list[str], list[str], int]:
    """Output lines, error JSON lines and the count of rows with warnings, for one chunk."""
    good = [row for row in chunk if row.record is not None]
    texts = []
    for row in good:
        text, notes = text_of(row.record, text_fields)
        row.warnings.extend(notes)
        texts.append(text)
    taggings = iter(tagger.tag(texts, evidence=False))
    lines, errors, warned = [], [], 0
    for row in chunk:
        if row.record is None:
            errors.append(json.dumps({"line": row.line, "error": row.error}, ensure_ascii=False) + "\n")
            continue
        fields = next(taggings).record_fields()
        fields["warnings"] = row.warnings + fields["warnings"]
        warned += bool(fields["warnings"])
        record = {k: v for k, v in row.record.items() if k not in SDG_FIELDS}
        lines.append(form.line({**record, **fields}))
    return lines, errors, warned


# -- worker processes --------------------------------------------------------------------------
_worker_tagger = None


def _init_worker(tagger) -> None:
    global _worker_tagger
    _worker_tagger = tagger


def _work(chunk, text_fields, form):
    return tag_chunk(_worker_tagger, chunk, text_fields, form)


def _parallel(tagger, chunks, options: Options, form: LineFormat):
    """Chunks tagged by `jobs` forked workers (the model is shared copy-on-write), results in order,
    at most 2 x jobs chunks in flight so that memory stays flat."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(options.jobs, initializer=_init_worker, initargs=(tagger,)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_work, (chunk, options.text_fields, form))))
            if len(pending) >= 2 * options.jobs:
                chunk, result = pending.popleft()
                yield (chunk, *result.get())
        while pending:
            chunk, result = pending.popleft()
            yield (chunk, *result.get())


# -- helpers -----------------------------------------------------------------------------------
def _check_columns(reader, options: Options, path: Path) -> None:
    """Header (CSV, XLSX) or first readable record (JSONL) must have the fields asked for."""
    if reader.columns is not None:
        _check_fields(reader.columns, options, path, 1)
        return
    first = next((row for row in islice(reader.rows(), CHUNK_ROWS) if row.record is not None), None)
    if first is not None:
        _check_fields(list(first.record), options, path, first.line)


def _check_fields(available: list[str], options: Options, path: Path, line: int) -> None:
    """A field missing from the header (or the first record) is a wrong option, not a bad record."""
    wanted = options.text_fields + ([options.id_field] if options.id_field else [])
    missing = [name for name in wanted if name not in available]
    if missing:
        raise InputError(f"{path.name}, ligne {line} : champ « {missing[0]} » absent ; "
                         f"champs disponibles : {', '.join(available) or 'aucun'} "
                         "(choisissez avec --text-field / --id-field)")


def _identity(path: Path, fmt: str, options: Options) -> dict:
    """What must not change between a run and its resumption."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(1 << 20))
    stat = path.stat()
    return {"input": str(path.resolve()), "size": stat.st_size, "head_sha256": digest.hexdigest(), "format": fmt,
            "text_fields": options.text_fields, "sheet": options.sheet}


def _write_state(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, ensure_ascii=False)
        fsync(handle)
    os.replace(tmp, path)


def _finish(partial, errors_partial, output_path, errors_path, out_fmt, state, state_path) -> None:
    """Turn the partial files into the final ones, atomically, errors file first and output last;
    then forget the state. Each step can be redone, so a run killed anywhere in here resumes."""
    if state["errors"]:
        if errors_partial.exists():
            os.replace(errors_partial, errors_path)
    else:
        errors_partial.unlink(missing_ok=True)
        errors_path.unlink(missing_ok=True)
    if partial.exists():
        if out_fmt == state["partial_format"]:
            os.replace(partial, output_path)
        else:
            tmp = output_path.with_name(f".{output_path.name}.tmp")
            columns = state["columns"] or _json_columns(partial)
            (write_csv if out_fmt == "csv" else write_xlsx)(_read_records(partial), tmp, columns)
            os.replace(tmp, output_path)
            partial.unlink()
    state_path.unlink()


def _read_records(path: Path):
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _json_columns(path: Path) -> list[str]:
    """JSONL into a spreadsheet: the input fields in order of first appearance."""
    columns: dict[str, None] = {}
    for record in _read_records(path):
        columns.update((k, None) for k in record if k not in SDG_FIELDS)
    return list(columns)


def _progress_bar(reader, options: Options, done: int):
    if not options.progress or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = reader.estimated_rows() if hasattr(reader, "estimated_rows") else _estimate_lines(reader.path)
    return tqdm(total=total, initial=done, unit=" lignes", desc="étiquetage", file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1)


def _estimate_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
    return max(0, count - 1)
