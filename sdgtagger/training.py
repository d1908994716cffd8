"""Training and evaluation: `sdgtagger train` and `sdgtagger evaluate` call these."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__, corpus as corpus_module
from .model import GOALS, N_GOALS, Labels, SDGModel, save_model
from .text import FrenchAnalyzer

EXTRA_WEIGHT = 0.5   # catalogue descriptions count half an example: they are short and formal
DEFAULT_PARAMS = {"C": 10.0, "main_C": 10.0, "char_weight": 1.0, "main_weight": 2.0}


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
    from .model import default_model_dir

    data_dir = Path(data_dir) if data_dir else default_data_dir()
    out_dir = Path(out_dir) if out_dir else default_model_dir()
    params = {**DEFAULT_PARAMS, **(params or {})}
    data = corpus_module.load(data_dir)
    extra = data.extra + list(extra_examples)
    log(f"corpus : {len(data.train)} entraînement, {len(data.validation)} validation, "
        f"{len(data.test)} test, {len(extra)} exemples complémentaires")
    train_set = data.train + extra
    weights = [1.0] * len(data.train) + [EXTRA_WEIGHT] * len(data.extra) + [1.0] * len(extra_examples)
    model = SDGModel(**params).fit(
        [e.text for e in train_set], Labels([list(e.sdgs) for e in train_set]),
        [e.text for e in data.validation], Labels([list(e.sdgs) for e in data.validation]),
        FrenchAnalyzer.from_spacy(), sample_weight=weights)
    metrics = {"validation": _score(model, data.validation).to_dict()}
    if data.test:
        metrics["test"] = _score(model, data.test).to_dict()
    meta = {
        "version": f"{__version__}+{corpus_module.data_hash(data_dir)[:10]}",
        "sdgtagger": __version__,
        "training_data_sha256": corpus_module.data_hash(data_dir),
        "params": params,
        "counts": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test),
                   "extra": len(extra)},
        "thresholds": {str(g): float(model.thresholds_[g - 1]) for g in GOALS},
        "metrics": metrics,
    }
    save_model(model, meta, out_dir)
    return meta


def _score(model: SDGModel, examples) -> Scores:
    scores = model.scores([e.text for e in examples])
    return evaluate_scores(scores, model.thresholds_, Labels([list(e.sdgs) for e in examples]))


def evaluate(tagger, data_dir: Path | None = None, split: str = "test") -> Scores:
    """Scores of a loaded tagger on a split of the corpus."""
    data = corpus_module.load(Path(data_dir) if data_dir else default_data_dir())
    examples = getattr(data, split)
    if not examples:
        raise corpus_module.CorpusError(f"la partie « {split} » du corpus est vide")
    return _score(tagger.model, examples)
