"""Batch annotation of a file: stream rows in, tag them in batches, write every row out."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .io import AtomicWriter, InputError, detect_format, read_rows, text_of
from .tagger import BATCH_SIZE, Tagger


@dataclass
class Summary:
    rows: int = 0
    warnings: int = 0
    errors: int = 0
    seconds: float = 0.0
    errors_path: Path | None = None
    messages: list[str] = field(default_factory=list)

    def french(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        text = (f"{self.rows} lignes étiquetées en {self.seconds:.1f} s ({rate:.0f} lignes/s), "
                f"{self.warnings} avec avertissement, {self.errors} en erreur")
        if self.errors:
            text += f" (voir {self.errors_path})"
        return text


def errors_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".erreurs.jsonl")


def annotate(tagger: Tagger, input_path: Path, output_path: Path, text_fields=("text",),
             id_field: str | None = None, fmt: str | None = None, force: bool = False) -> Summary:
    """Tag every row of ``input_path`` into ``output_path``; unreadable rows go to an errors file."""
    in_fmt = detect_format(input_path, fmt)
    detect_format(output_path, fmt)
    if output_path.exists() and not force:
        raise InputError(f"{output_path} existe déjà : ajoutez --force pour le remplacer")
    if output_path.resolve() == input_path.resolve():
        raise InputError(f"{output_path} : la sortie ne peut pas remplacer l'entrée")
    text_fields = list(text_fields)
    summary = Summary(errors_path=errors_path_for(output_path))
    start = time.perf_counter()
    rows = read_rows(input_path, in_fmt)
    first_checked = False
    with AtomicWriter(output_path) as out, AtomicWriter(summary.errors_path) as errors:
        while True:
            chunk = list(islice(rows, BATCH_SIZE))
            if not chunk:
                break
            good = [row for row in chunk if row.record is not None]
            if good and not first_checked:
                _check_fields(good[0], text_fields + ([id_field] if id_field else []), input_path)
                first_checked = True
            texts = []
            for row in good:
                text, notes = text_of(row.record, text_fields)
                row.warnings.extend(notes)
                texts.append(text)
            taggings = iter(tagger.tag(texts, evidence=False))
            for row in chunk:
                summary.rows += 1
                if row.record is None:
                    summary.errors += 1
                    summary.messages.append(row.error)
                    errors.write_json({"line": row.line, "error": row.error})
                    continue
                fields = next(taggings).record_fields()
                fields["warnings"] = row.warnings + fields["warnings"]
                summary.warnings += bool(fields["warnings"])
                out.write_json({**row.record, **fields})
    if not summary.errors:
        summary.errors_path.unlink()
    summary.seconds = time.perf_counter() - start
    return summary


def _check_fields(row, names: list[str], path: Path) -> None:
    """A field missing from the first record is a wrong option, not a bad record."""
    missing = [name for name in names if name not in row.record]
    if missing:
        available = ", ".join(row.record) or "aucun"
        raise InputError(f"{path.name}, ligne {row.line} : champ « {missing[0]} » absent ; "
                         f"champs disponibles : {available} (choisissez avec --text-field / --id-field)")
