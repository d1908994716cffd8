"""Training on a tiny corpus, determinism, save/load round trip, loading errors."""
import json

import numpy as np
import pytest

from sdgtagger import ModelError, Tagger
from sdgtagger.model import ARTIFACT, META, Labels, SDGModel, load_model

from conftest import TINY, WATER


def test_scores_are_probabilities_for_every_goal(tiny_tagger):
    scores = tiny_tagger.model.scores([WATER, "Reboisement et lutte contre la désertification."])
    assert scores.shape == (2, 17)
    assert np.all((scores >= 0) & (scores <= 1))


def test_tiny_model_learns_water(tiny_tagger):
    [tagging] = tiny_tagger.tag([WATER])
    assert tagging.main == 6
    assert tagging.goals[0] == 6


def test_training_is_deterministic(analyzer):
    texts = [t for t, _ in TINY]
    labels = Labels([g for _, g in TINY])
    first = SDGModel(min_df=1).fit(texts, labels, texts, labels, analyzer).scores(texts)
    second = SDGModel(min_df=1).fit(texts, labels, texts, labels, analyzer).scores(texts)
    assert np.array_equal(first, second)


def test_fit_refuses_a_goal_without_examples(analyzer):
    texts = [t for t, g in TINY if 14 not in g]
    labels = Labels([g for _, g in TINY if 14 not in g])
    with pytest.raises(ValueError, match=r"\[14\]"):
        SDGModel(min_df=1).fit(texts, labels, texts, labels, analyzer)


def test_save_load_round_trip_gives_identical_scores(tiny_model_dir, tiny_tagger):
    reloaded = Tagger.load(tiny_model_dir)
    texts = [WATER, "Formation des enseignants"]
    assert np.array_equal(reloaded.model.scores(texts), tiny_tagger.model.scores(texts))
    meta = json.loads((tiny_model_dir / META).read_text())
    assert {"version", "training_data_sha256", "libraries", "metrics", "thresholds"} <= set(meta)


def test_missing_model_folder_says_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="sdgtagger train"):
        load_model(tmp_path)


def test_model_of_another_format_is_refused(tiny_model_dir, tmp_path):
    (tmp_path / ARTIFACT).write_bytes((tiny_model_dir / ARTIFACT).read_bytes())
    meta = json.loads((tiny_model_dir / META).read_text())
    meta["format"] = 999
    (tmp_path / META).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="format 999"):
        load_model(tmp_path)


def test_model_built_with_another_numpy_is_refused(tiny_model_dir, tmp_path):
    (tmp_path / ARTIFACT).write_bytes((tiny_model_dir / ARTIFACT).read_bytes())
    meta = json.loads((tiny_model_dir / META).read_text())
    meta["libraries"]["numpy"] = "0.9.0"
    (tmp_path / META).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="numpy 0.9.0"):
        load_model(tmp_path)


def test_corrupt_artifact_is_reported(tiny_model_dir, tmp_path):
    (tmp_path / META).write_text((tiny_model_dir / META).read_text())
    (tmp_path / ARTIFACT).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="illisible"):
        load_model(tmp_path)


def test_evidence_contributions_add_up_to_the_score(tiny_tagger):
    """Per-word contributions are an exact split of each goal's linear score."""
    model = tiny_tagger.model
    occurrences = model.contributions(WATER, list(range(1, 18)))
    total = sum(weights for _, _, weights in occurrences)
    logit, _ = model.raw(*model.featurizer_.transform([WATER]))
    assert np.allclose(total, logit[0] - model.bias_[:17], atol=1e-4)


@pytest.mark.slow
def test_train_is_reproducible_byte_for_byte_and_learns_from_the_register(tmp_path):
    """Two `sdgtagger train` runs in fresh processes (other hash seeds) write identical artifacts;
    --register adds the register's validated projects."""
    import os
    import subprocess
    import sys

    from conftest import ROOT, write_tiny_corpus
    from service.register import Register

    data = write_tiny_corpus(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'registre.sqlite3'}"
    register = Register(url)
    tagging = {"sdg_scores": {str(g): 0.0 for g in range(1, 18)}, "sdgs": []}
    register.add("Forages à Kaya", "Forages et latrines pour trois villages.", tagging, "x", validated_sdgs=[6, 3])
    register.add("Non validé", "Texte sans validation.", tagging, "x")
    register.engine.dispose()
    outputs = []
    for seed, extra in (("1", []), ("2", []), ("3", ["--register", url])):
        out = tmp_path / f"model{seed}"
        subprocess.run([sys.executable, "-m", "sdgtagger.cli", "train", "--data", str(data), "--output", str(out),
                        *extra], check=True, cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(out)
    assert (outputs[0] / ARTIFACT).read_bytes() == (outputs[1] / ARTIFACT).read_bytes()
    meta = json.loads((outputs[2] / META).read_text())
    assert meta["counts"]["register"] == 1
    assert (outputs[2] / ARTIFACT).read_bytes() != (outputs[0] / ARTIFACT).read_bytes()
