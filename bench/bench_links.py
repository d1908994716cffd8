"""Quality of the recommended links: recall@5 of the links advisers expect, cross-validated on the
annotated link examples of training_data/ (links_dev*.jsonl).

    python bench/bench_links.py [--model models/] [--folds 5] [--test]

Prints, through the library's own code (with_link_examples, Recommender):
- recall@5 with 5-fold cross-validation over the examples (the ranker and the neighbours are
  refitted on four folds, the fifth is scored);
- the same from the projects' goals only (recommend(goals=...), its own ranker);
- recall@5 leaving out one file (one writer) at a time, the closest to a new writer's projects;
- per goal, how often an expected link is found, and how often a goal fills a top-5 slot unasked.
With --test it also prints recall@5 of the shipped knowledge on tests/data/expected_links.jsonl;
that set only measures: do not choose a method by it.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdgtagger import Tagger  # noqa: E402
from sdgtagger.recommend import Recommender, with_link_examples  # noqa: E402


def read_rows(data_dir: Path) -> list[tuple[str, dict]]:
    return [(path.name, json.loads(line)) for path in sorted(data_dir.glob("links_dev*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def recall_at_5(recommender: Recommender, rows: list[dict], hits: Counter, misses: Counter, unasked: Counter,
                by_goals: bool = False):
    found = expected = 0
    for row in rows:
        result = recommender.recommend(goals=row["sdgs"]) if by_goals else recommender.recommend(row["text"])
        top = [link["goal"] for link in result.links[:5]]
        for goal in row["expected"]:
            (hits if goal in top else misses)[goal] += 1
        unasked.update(g for g in top if g not in row["expected"])
        found += sum(goal in top for goal in row["expected"])
        expected += len(row["expected"])
    return found, expected


def cross_validate(tagger: Tagger, rows, folds: np.ndarray, counters=None, by_goals: bool = False) -> float:
    counters = counters or (Counter(), Counter(), Counter())
    found = expected = 0
    for fold in sorted(set(folds)):
        train = [row for (_, row), f in zip(rows, folds) if f != fold]
        held = [row for (_, row), f in zip(rows, folds) if f == fold]
        knowledge = with_link_examples(tagger.knowledge, tagger, train)
        f, e = recall_at_5(Recommender(tagger, knowledge), held, *counters, by_goals=by_goals)
        found += f
        expected += e
    return found / expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--data", default=str(ROOT / "training_data"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--test", action="store_true", help="also score the held-apart test set")
    args = parser.parse_args()

    tagger = Tagger.load(args.model)
    rows = read_rows(Path(args.data))
    files = sorted({name for name, _ in rows})
    print(f"{len(rows)} exemples annotés dans {len(files)} fichiers")
    order = np.random.RandomState(0).permutation(len(rows))
    folds = np.empty(len(rows), dtype=int)
    folds[order] = np.arange(len(rows)) % args.folds
    hits, misses, unasked = Counter(), Counter(), Counter()
    print(f"rappel@5, validation croisée {args.folds} plis : "
          f"{cross_validate(tagger, rows, folds, (hits, misses, unasked)):.3f}")
    print(f"rappel@5 à partir des seuls ODD des projets (recommend --goals), même validation croisée : "
          f"{cross_validate(tagger, rows, folds, by_goals=True):.3f}")
    by_file = np.array([files.index(name) for name, _ in rows])
    if len(files) > 1:
        print(f"rappel@5, un fichier (un rédacteur) laissé de côté à la fois : "
              f"{cross_validate(tagger, rows, by_file):.3f}")
    print("ODD  attendus  trouvés  rappel  proposés sans être attendus")
    for goal in range(1, 18):
        n = hits[goal] + misses[goal]
        print(f"{goal:>3}  {n:>8}  {hits[goal]:>7}  {hits[goal] / n if n else 0:6.2f}  {unasked[goal]:>6}")
    if args.test:
        test_rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "expected_links.jsonl")
                     .read_text(encoding="utf-8").splitlines() if line.strip()]
        recommender = Recommender(tagger, tagger.knowledge)
        found, expected = recall_at_5(recommender, test_rows, Counter(), Counter(), Counter())
        print(f"rappel@5 sur le jeu de test ({len(test_rows)} projets) : {found / expected:.3f}")
        found, expected = recall_at_5(recommender, test_rows, Counter(), Counter(), Counter(), by_goals=True)
        print(f"rappel@5 sur le jeu de test, à partir des seuls ODD : {found / expected:.3f}")


if __name__ == "__main__":
    main()
