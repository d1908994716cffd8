"""The corpus in training_data/ meets its rules (sizes, coverage, clean labels)."""
import re
from collections import Counter

import pytest

from sdgtagger import corpus

from conftest import ROOT


@pytest.fixture(scope="module")
def data():
    return corpus.load(ROOT / "training_data")


def test_sizes(data):
    assert len(data.train) + len(data.validation) >= 2000
    assert len(data.test) >= 400
    assert 0.10 < len(data.validation) / (len(data.train) + len(data.validation)) < 0.20


def test_every_goal_is_covered(data):
    examples = data.train + data.validation
    labels = Counter(g for e in examples for g in e.sdgs)
    main = Counter(e.sdgs[0] for e in examples)
    for goal in range(1, 18):
        assert labels[goal] >= 100, f"objectif {goal} : {labels[goal]} exemples"
        assert main[goal] >= 40, f"objectif {goal} : principal de {main[goal]} exemples"


def test_test_split_is_written_apart(data):
    assert {e.source[0] for e in data.test} == {"t"}
    assert not {e.source[0] for e in data.train + data.validation} & {"t"}


def test_texts_do_not_name_goal_numbers(data):
    pattern = re.compile(r"\b(ODD|SDG|objectif de développement durable)\s*(n°\s*)?\d", re.IGNORECASE)
    offenders = [e.id for e in data.train + data.validation + data.test if pattern.search(e.text)]
    assert not offenders


def test_lengths_range_from_titles_to_applications(data):
    lengths = [len(e.text.split()) for e in data.train + data.validation]
    assert min(lengths) <= 10 and max(lengths) >= 250
    assert sum(n >= 150 for n in lengths) >= 150


def test_bad_line_is_named(tmp_path):
    (tmp_path / "corpus" / "train").mkdir(parents=True)
    (tmp_path / "corpus" / "train" / "x.jsonl").write_text(
        '{"id": "x-1", "text": "Forages", "sdgs": [6]}\n{"id": "x-2", "text": "Latrines", "sdgs": [18]}\n')
    with pytest.raises(corpus.CorpusError, match=r"x.jsonl, ligne 2 : champ « sdgs » invalide"):
        corpus.load(tmp_path)


def test_duplicate_texts_are_refused(tmp_path):
    (tmp_path / "corpus" / "train").mkdir(parents=True)
    (tmp_path / "corpus" / "train" / "x.jsonl").write_text(
        '{"id": "x-1", "text": "Forages", "sdgs": [6]}\n{"id": "x-2", "text": "forages ", "sdgs": [6]}\n')
    with pytest.raises(corpus.CorpusError, match="double"):
        corpus.load(tmp_path)
