"""Training and evaluation: `sdgtagger train` and `sdgtagger evaluate` call these."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__, corpus as corpus_module
from .model import GOALS, N_GOALS, Labels, SDGModel, default_model_dir, save_model
from .recommend import build_knowledge, read_knowledge
from .tagger import Tagger
from .text import FrenchAnalyzer


def default_data_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "training_data"


@dataclass
class Scores:
    per_goal: dict[int, dict]
    micro_f1: float
    macro_f1: float
    top1: float          # first-ranked goal is the main goal
    top3: float          # main goal among the first three
    top1_any: float      # first-ranked goal is one of the goals
    n: int

    def to_dict(self) -> dict:
        data = asdict(self)
        data["per_goal"] = {str(g): v for g, v in self.per_goal.items()}
        return data


def evaluate_scores(scores: np.ndarray, thresholds: np.ndarray, labels: Labels) -> Scores:
    """Tagging quality (scores against thresholds) and ranking quality (goals ordered by score)."""
    y = labels.matrix().astype(bool)
    predicted = scores >= thresholds
    per_goal = {}
    for g in range(N_GOALS):
        tp = int(np.sum(predicted[:, g] & y[:, g]))
        fp = int(np.sum(predicted[:, g] & ~y[:, g]))
        fn = int(np.sum(~predicted[:, g] & y[:, g]))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_goal[g + 1] = {"precision": round(precision, 4), "recall": round(recall, 4),
                           "f1": round(f1, 4), "support": int(y[:, g].sum())}
    tp = np.sum(predicted & y)
    micro = 2 * tp / (predicted.sum() + y.sum()) if (predicted.sum() + y.sum()) else 0.0
    macro = float(np.mean([per_goal[g]["f1"] for g in GOALS]))
    order = np.argsort(-scores, axis=1, kind="stable")
    main = labels.main()
    top1 = float(np.mean(order[:, 0] == main))
    top3 = float(np.mean([main[i] in order[i, :3] for i in range(len(main))]))
    top1_any = float(np.mean(y[np.arange(len(main)), order[:, 0]]))
    return Scores(per_goal, round(float(micro), 4), round(macro, 4), round(top1, 4), round(top3, 4),
                  round(top1_any, 4), len(main))


def train(data_dir: Path | None = None, out_dir: Path | None = None, params: dict | None = None,
          extra_examples=(), log=print) -> dict:
    """Fit the model on the training split, tune on validation, score on test, write the folder."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    out_dir = Path(out_dir) if out_dir else default_model_dir()
    data_sha256 = corpus_module.data_hash(data_dir)
    data = corpus_module.load(data_dir)
    authored = read_knowledge(data_dir)  # checked before the long part
    extra_examples = list(extra_examples)
    log(f"corpus : {len(data.train)} entraînement, {len(data.validation)} validation, "
        f"{len(data.test)} test, {len(data.extra)} exemples du catalogue, {len(extra_examples)} du registre")
    train_set = data.train + data.extra + extra_examples
    weights = [e.weight for e in train_set]
    model = SDGModel(**(params or {})).fit(
        [e.text for e in train_set], Labels([list(e.sdgs) for e in train_set]),
        [e.text for e in data.validation], Labels([list(e.sdgs) for e in data.validation]),
        FrenchAnalyzer.from_spacy(), sample_weight=weights)
    metrics = {"validation": _score(model, data.validation).to_dict()}
    if data.test:
        metrics["test"] = _score(model, data.test).to_dict()
    meta = {
        "version": f"{__version__}+{data_sha256[:10]}",
        "sdgtagger": __version__,
        "training_data_sha256": data_sha256,
        "params": model.params(),
        "counts": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test),
                   "extra": len(data.extra), "register": len(extra_examples)},
        "thresholds": {str(g): float(model.thresholds_[g - 1]) for g in GOALS},
        "metrics": metrics,
    }
    knowledge = build_knowledge(authored, data.train + data.validation + data.test + extra_examples,
                                Tagger(model, {}))
    save_model(model, knowledge, meta, out_dir)
    (out_dir / "README.md").write_text(model_card(meta), encoding="utf-8")
    return meta


def model_card(meta: dict) -> str:
    """The model folder's README: what it is, what it learnt from, how well it does."""
    from . import catalogue

    counts, params = meta["counts"], meta["params"]
    lines = [
        f"# Modèle sdgtagger {meta['version']}",
        "",
        "Classifieur ODD pour des textes de projets en français (coopération internationale, solidarité, "
        "politiques publiques locales). Reconstruit par `sdgtagger train` à partir de `training_data/` ; "
        "même données, même modèle.",
        "",
        "## Données",
        f"- entraînement : {counts['train']} textes rédigés par l'équipe, plus {counts['extra']} exemples tirés "
        "du catalogue (résumés d'objectifs et descriptions de cibles, poids 0,5 ; mots-clés, poids 0,3)"
        + (f", plus {counts['register']} projets validés du registre" if counts.get("register") else "") + " ;",
        f"- validation : {counts['validation']} textes (15 % des fichiers d'entraînement, tirés par l'identifiant), "
        "pour la calibration et les seuils ;",
        f"- test : {counts['test']} textes écrits à part (autre rédacteur, autres styles), jamais vus ;",
        f"- empreinte SHA-256 des données : `{meta['training_data_sha256']}`.",
        "",
        "## Méthode",
        "Lemmes sans accents (table de lemmatisation de spaCy) et bigrammes de lemmes, n-grammes de caractères 3-5 sans "
        "accents ; TF-IDF ; une régression logistique par objectif et une régression softmax sur l'objectif "
        "principal ; calibration par objectif sur la validation ; seuil commun à tous les objectifs maximisant le F1 micro de "
        f"validation. Paramètres : `{json.dumps(params)}`.",
        "",
    ]
    for split, title in (("test", "Scores sur le test"), ("validation", "Scores sur la validation")):
        scores = meta["metrics"].get(split)
        if not scores:
            continue
        lines += [f"## {title} ({scores['n']} textes)",
                  f"micro-F1 **{scores['micro_f1']:.3f}**, macro-F1 **{scores['macro_f1']:.3f}**, "
                  f"top-1 **{scores['top1']:.3f}**, top-3 **{scores['top3']:.3f}** "
                  f"(top-1 parmi tous les ODD du texte : {scores['top1_any']:.3f}).", ""]
        if split == "test":
            lines += ["| ODD | nom | seuil | précision | rappel | F1 | exemples |", "|---|---|---|---|---|---|---|"]
            for goal, row in scores["per_goal"].items():
                lines.append(f"| {goal} | {catalogue.name(int(goal))} | {meta['thresholds'][goal]:.2f} | "
                             f"{row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
            lines.append("")
    lines += ["## Limites",
              "- Appris sur un corpus écrit par l'équipe : des textes très éloignés (autres langues, jargon "
              "sectoriel rare) sont moins bien classés ; un avertissement signale les textes courts ou non français.",
              "- Les scores sont des probabilités calibrées sur la validation, pas des certitudes : la validation "
              "par le personnel reste la référence.", ""]
    return "\n".join(lines)


def _score(model: SDGModel, examples) -> Scores:
    return evaluate_scores(model.scores([e.text for e in examples]), model.thresholds_,
                           Labels([list(e.sdgs) for e in examples]))


def evaluate(tagger, data_dir: Path | None = None, split: str = "test") -> Scores:
    """Scores of a loaded tagger on a split of the corpus."""
    data = corpus_module.load(Path(data_dir) if data_dir else default_data_dir())
    examples = getattr(data, split)
    if not examples:
        raise corpus_module.CorpusError(f"la partie « {split} » du corpus est vide")
    return _score(tagger.model, examples)
