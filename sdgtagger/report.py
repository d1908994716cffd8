"""`sdgtagger report`: the SDG profile of an annotated archive, as one self-contained HTML page.

Reads the output of `sdgtagger tag --input/--output` (JSONL, CSV or XLSX) in one streaming pass,
keeps only counts and the least confident records, and draws the charts with matplotlib in the
official goal colours, embedded as SVG (PNG files too on request).
"""
from __future__ import annotations

import heapq
import io
from collections import Counter
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path

import numpy as np

from . import catalogue
from .io import InputError, detect_format, open_reader

GOALS = range(1, 18)
REVIEW_SHOWN = 20
BREAKDOWN_VALUES = 12


@dataclass
class Profile:
    rows: int = 0
    tagged: Counter = field(default_factory=Counter)
    main: Counter = field(default_factory=Counter)
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((17, 17), dtype=np.int64))
    warnings: int = 0
    untagged: int = 0
    by: dict[str, Counter] = field(default_factory=dict)
    uncertain: list = field(default_factory=list)      # heap of (confidence, row, record summary)

    def add(self, row: int, record: dict, by_column: str | None, text_columns: list[str]) -> None:
        self.rows += 1
        goals = [int(g) for g in record["sdgs"]]
        main = record["sdg_main"]
        self.tagged.update(goals)
        if main is None:
            self.untagged += 1
        else:
            self.main[int(main)] += 1
        for a, b in permutations(goals, 2):
            self.pairs[a - 1, b - 1] += 1
        self.warnings += bool(record["warnings"])
        if by_column is not None:
            value = str(record.get(by_column) or "(vide)")
            self.by.setdefault(value, Counter())[int(main) if main is not None else 0] += 1
        scores = sorted((float(v) for v in record["sdg_scores"].values()), reverse=True)
        if scores and scores[0] > 0:  # confidence: how far the best goal stands above the next one
            confidence = scores[0] - (scores[1] if len(scores) > 1 else 0)
            text = " ".join(str(record.get(c) or "") for c in text_columns).strip()
            item = (-confidence, row, {"row": row, "id": record.get("id", ""), "text": text[:220],
                                       "sdgs": goals, "best": round(scores[0], 3),
                                       "margin": round(confidence, 3)})
            if len(self.uncertain) < REVIEW_SHOWN:
                heapq.heappush(self.uncertain, item)
            else:
                heapq.heappushpop(self.uncertain, item)


def read_profile(path: Path, fmt: str | None, by_column: str | None, text_columns: list[str]) -> Profile:
    """One pass over an annotated file, whatever its format."""
    fmt = detect_format(path, fmt)
    reader = open_reader(path, fmt)
    profile = Profile()
    for number, row in enumerate(reader.rows(), 1):
        if row.record is None:
            raise InputError(f"{row.error} : le rapport lit un fichier produit par « sdgtagger tag »")
        record = row.record if fmt == "jsonl" else _from_sheet(row.record, path, row.line)
        if number == 1:
            missing = [c for c in ("sdg_scores", "sdgs", "sdg_main") if c not in record]
            if missing:
                raise InputError(f"{path.name} : pas de colonnes ODD ({', '.join(missing)}) : "
                                 "étiquetez d'abord le fichier avec « sdgtagger tag --input … --output … »")
            if by_column and by_column not in record:
                raise InputError(f"{path.name} : colonne « {by_column} » absente ; colonnes : {', '.join(record)}")
        profile.add(row.line, record, by_column, text_columns)
    if profile.rows == 0:
        raise InputError(f"{path.name} ne contient aucune ligne")
    return profile


def _from_sheet(record: dict, path: Path, line: int) -> dict:
    """A CSV/XLSX row of `sdgtagger tag` back into the JSONL fields."""
    try:
        scores = {str(g): float(str(record[f"score_odd_{g}"] or 0).replace(",", ".")) for g in GOALS}
        main = record["odd_principal"]
        goals = [int(g) for g in str(record["odd"]).split(";") if g.strip()]
    except KeyError:
        return record  # the first-record check names what is missing
    except ValueError as error:
        raise InputError(f"{path.name}, ligne {line} : scores ODD illisibles ({error})") from None
    warnings = [w for w in str(record.get("avertissements") or "").split(" | ") if w]
    return {**record, "sdg_scores": scores, "sdgs": goals,
            "sdg_main": int(main) if str(main).strip() else None, "warnings": warnings}


# -- charts --------------------------------------------------------------------------------------
def _figure(width=8.0, height=4.0):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "path"})
    return plt.subplots(figsize=(width, height))


def _render(fig, png_dir: Path | None, name: str) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    if png_dir is not None:
        fig.savefig(png_dir / f"{name}.png", format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _bars(counts: Counter, total: int, title: str, png_dir, name) -> str:
    fig, ax = _figure()
    values = [counts.get(g, 0) for g in GOALS]
    ax.bar([str(g) for g in GOALS], values, color=[catalogue.colour(g) for g in GOALS])
    for x, v in enumerate(values):
        if v:
            ax.text(x, v, f"{100 * v / total:.0f} %", ha="center", va="bottom", fontsize=7)
    ax.set_xlabel("ODD")
    ax.set_ylabel("projets")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _render(fig, png_dir, name)


def _heatmap(pairs: np.ndarray, png_dir) -> str:
    fig, ax = _figure(6.5, 5.5)
    image = ax.imshow(pairs, cmap="Blues")
    ax.set_xticks(range(17), [str(g) for g in GOALS])
    ax.set_yticks(range(17), [str(g) for g in GOALS])
    for tick, g in zip(ax.get_xticklabels(), GOALS):
        tick.set_color(catalogue.colour(g))
    for tick, g in zip(ax.get_yticklabels(), GOALS):
        tick.set_color(catalogue.colour(g))
    ax.set_title("Co-occurrence des ODD (projets portant les deux objectifs)")
    fig.colorbar(image, ax=ax, shrink=0.8, label="projets")
    return _render(fig, png_dir, "cooccurrence")


def _breakdown(by: dict[str, Counter], column: str, png_dir) -> str:
    values = sorted(by, key=lambda v: -sum(by[v].values()))[:BREAKDOWN_VALUES]
    if column.lower() in ("annee", "année", "year", "an"):
        values = sorted(values)
    fig, ax = _figure(8, 0.4 * len(values) + 1.5)
    left = np.zeros(len(values))
    for g in list(GOALS) + [0]:
        widths = np.array([by[v].get(g, 0) for v in values], dtype=float)
        if widths.any():
            ax.barh(values, widths, left=left, color=catalogue.colour(g) if g else "#BBBBBB",
                    label=f"ODD {g}" if g else "sans ODD")
            left += widths
    ax.invert_yaxis()
    ax.set_xlabel("projets (couleur : ODD principal)")
    ax.set_title(f"ODD principal par « {column} »")
    ax.legend(ncol=6, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _render(fig, png_dir, "repartition")


def strongest_pairs(profile: Profile, knowledge=None, shown: int = 10) -> list[dict]:
    """Goal pairs that meet more often than chance (lift), with their authored link if any."""
    counts = np.array([profile.tagged.get(g, 0) for g in GOALS], dtype=float)
    authored = {(l.source, l.target): l for l in (knowledge.links if knowledge else [])}
    result = []
    for a in range(17):
        for b in range(a + 1, 17):
            both = profile.pairs[a, b]
            if both < 3:
                continue
            lift = both * profile.rows / (counts[a] * counts[b])
            link = authored.get((a + 1, b + 1)) or authored.get((b + 1, a + 1))
            result.append({"goals": (a + 1, b + 1), "count": int(both), "lift": round(float(lift), 2),
                           "link": f"{link.kind} ({link.strength:+d}) : {link.why}" if link else ""})
    return sorted(result, key=lambda r: (-r["lift"], -r["count"]))[:shown]


def write_report(annotated: Path, html_path: Path, fmt: str | None = None, by_column: str | None = None,
                 text_columns=("text",), png_dir: Path | None = None, knowledge=None) -> Profile:
    """Write the HTML report (and PNGs into png_dir when given)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    profile = read_profile(annotated, fmt, by_column, list(text_columns))
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    charts = {
        "tagged": _bars(profile.tagged, profile.rows, "Projets par ODD identifié", png_dir, "odd"),
        "main": _bars(profile.main, profile.rows, "Projets par ODD principal", png_dir, "odd_principal"),
        "heatmap": _heatmap(profile.pairs, png_dir),
        "breakdown": _breakdown(profile.by, by_column, png_dir) if by_column else None,
    }
    environment = Environment(loader=PackageLoader("sdgtagger", "templates"), autoescape=select_autoescape())
    html = environment.get_template("report.html").render(
        source=annotated.name, profile=profile, charts=charts, goals=catalogue.goals(),
        pairs=strongest_pairs(profile, knowledge), by_column=by_column,
        uncertain=[item for _, _, item in sorted(profile.uncertain, key=lambda i: (-i[0], i[1]))],
    )
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(html_path)
    return profile

