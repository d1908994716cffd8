"""The committed default model: up to date with training_data/ and good enough on the test split."""
import json

import pytest

from sdgtagger import Tagger, corpus
from sdgtagger.model import META, default_model_dir
from sdgtagger.training import evaluate

from conftest import ROOT


@pytest.fixture(scope="module")
def tagger():
    return Tagger.load()


def test_model_is_not_stale():
    meta = json.loads((default_model_dir() / META).read_text(encoding="utf-8"))
    assert meta["training_data_sha256"] == corpus.data_hash(ROOT / "training_data"), (
        "le modèle de models/ ne correspond plus à training_data/ : lancez « sdgtagger train » et committez models/")


def test_scores_on_the_test_split(tagger):
    scores = evaluate(tagger, ROOT / "training_data", "test")
    assert scores.micro_f1 >= 0.80
    assert scores.macro_f1 >= 0.75
    assert scores.top1 >= 0.85


@pytest.mark.parametrize("text, goal", [
    ("Réalisation de forages, de latrines et de bornes-fontaines dans cinq villages de la région de Tahoua.", 6),
    ("Modernisation de l'état civil : enregistrement des naissances et formation des secrétaires de mairie.", 16),
    ("Convention de coopération décentralisée entre la communauté de communes et la commune de Dori.", 17),
])
def test_plain_cases(tagger, text, goal):
    [tagging] = tagger.tag([text])
    assert tagging.main == goal


def test_archives_without_accents_get_the_same_word_features(tagger):
    featurizer = tagger.model.featurizer_
    accented, _ = featurizer.transform(["Sécurité alimentaire et activités génératrices de revenus des "
                                        "femmes rurales, accès à l'eau"])
    bare, _ = featurizer.transform(["SECURITE ALIMENTAIRE ET ACTIVITES GENERATRICES DE REVENUS DES "
                                    "FEMMES RURALES, ACCES A L'EAU"])
    assert accented.nnz >= 10 and (accented != bare).nnz == 0
    [tagging] = tagger.tag(["SECURITE ALIMENTAIRE ET ACTIVITES GENERATRICES DE REVENUS DES FEMMES RURALES"])
    lemmas = {e.lemma for evidence in tagging.evidence.values() for e in evidence}
    assert "sécurité" in lemmas or "générateur" in lemmas, lemmas   # explanations keep the accents
