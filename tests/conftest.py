"""Shared fixtures: a tiny French corpus, one small model trained once per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Two short texts per goal (main goal first), written for the tests only.
TINY = [
    ("Distribution de bons alimentaires et accompagnement social des familles en grande précarité par le CCAS.", [1, 10]),
    ("Transferts monétaires mensuels aux ménages les plus pauvres et création de groupes d'épargne villageois.", [1, 5]),
    ("Appui aux maraîchers : semences, puits maraîchers et formation en agroécologie pour la sécurité alimentaire.", [2, 6]),
    ("Cantine scolaire et récupération nutritionnelle des enfants souffrant de malnutrition aiguë.", [2, 3, 4]),
    ("Équipement du centre de santé, consultations prénatales et campagne de vaccination des nourrissons.", [3]),
    ("Prévention du paludisme : moustiquaires imprégnées et formation des agents de santé communautaires.", [3]),
    ("Construction de deux salles de classe et formation des enseignants à la lecture.", [4]),
    ("Alphabétisation des adultes et bourses pour les collégiens du village.", [4, 5]),
    ("Lutte contre les mariages précoces et les violences faites aux femmes, écoute des victimes.", [5, 16]),
    ("Autonomisation économique des groupements féminins et accès des femmes aux responsabilités.", [5, 8]),
    ("Forages équipés de pompes, latrines familiales et comités de gestion de l'eau potable.", [6, 3]),
    ("Réseau d'adduction d'eau potable et station de traitement des eaux usées de la commune.", [6]),
    ("Kits solaires pour les foyers ruraux et mini-réseau électrique du village.", [7]),
    ("Foyers améliorés pour réduire la consommation de bois et lutter contre la précarité énergétique.", [7, 15]),
    ("Insertion professionnelle des jeunes : apprentissage, création de micro-entreprises et emplois décents.", [8, 4]),
    ("Coopérative de transformation du karité et développement de l'emploi local.", [8, 5]),
    ("Réhabilitation de la piste rurale et du pont reliant les villages au marché.", [9, 11]),
    ("Fab lab et accès à internet pour les artisans, innovation numérique et connectivité.", [9]),
    ("Accueil et inclusion des personnes réfugiées et lutte contre les discriminations.", [10, 16]),
    ("Accessibilité des équipements publics aux personnes en situation de handicap.", [10, 11]),
    ("Plan d'urbanisme, logement social et transports en commun dans les quartiers.", [11]),
    ("Réhabilitation du patrimoine bâti et aménagement des espaces publics du centre ancien.", [11]),
    ("Ressourcerie, tri des déchets et compostage pour réduire le gaspillage.", [12]),
    ("Commerce équitable et achats publics responsables dans les marchés de la collectivité.", [12]),
    ("Plan climat, réduction des émissions de gaz à effet de serre et adaptation aux sécheresses.", [13]),
    ("Bilan carbone de la collectivité et sensibilisation au changement climatique.", [13, 4]),
    ("Restauration des mangroves et aire marine protégée avec les pêcheurs artisanaux.", [14, 15]),
    ("Nettoyage des plages et réduction des déchets plastiques rejetés en mer.", [14, 12]),
    ("Reboisement, lutte contre la désertification et protection de la biodiversité des forêts.", [15, 13]),
    ("Lutte contre le braconnage et gestion communautaire de la réserve naturelle.", [15]),
    ("Modernisation de l'état civil et enregistrement des naissances dans les mairies.", [16]),
    ("Budget participatif, transparence de la gestion communale et lutte contre la corruption.", [16]),
    ("Convention de coopération décentralisée et jumelage entre les deux communes.", [17]),
    ("Renforcement des capacités des collectivités partenaires et volontariat de solidarité internationale.", [17, 16]),
]

WATER = ("Dans trois villages de la région de Kayes, la commune réhabilite des forages, construit des "
         "latrines et forme les comités de gestion de l'eau potable.")


def write_tiny_corpus(folder: Path) -> Path:
    """A corpus folder in the training_data layout, with every example in train and test,
    and the real knowledge files."""
    import shutil
    shutil.copytree(ROOT / "training_data" / "knowledge", folder / "knowledge", dirs_exist_ok=True)
    for path in (ROOT / "training_data").glob("links_dev*.jsonl"):
        shutil.copy(path, folder / path.name)
    for split in ("train", "test"):
        (folder / "corpus" / split).mkdir(parents=True, exist_ok=True)
        with open(folder / "corpus" / split / "tiny.jsonl", "w", encoding="utf-8") as handle:
            for i, (text, goals) in enumerate(TINY):
                variant = text if split == "train" else "Projet : " + text
                handle.write(json.dumps({"id": f"{split}-{i}", "text": variant, "sdgs": goals},
                                        ensure_ascii=False) + "\n")
    return folder


@pytest.fixture(scope="session")
def analyzer():
    from sdgtagger.text import FrenchAnalyzer
    return FrenchAnalyzer.from_spacy()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, analyzer, monkeypatch_session):
    """A model trained on TINY, in the layout `sdgtagger train` writes."""
    from sdgtagger import training

    data = write_tiny_corpus(tmp_path_factory.mktemp("data"))
    out = tmp_path_factory.mktemp("model")
    monkeypatch_session.setattr(training.corpus_module, "is_validation", lambda ident: int(ident.split("-")[1]) % 2 == 0)
    monkeypatch_session.setattr(training.FrenchAnalyzer, "from_spacy", classmethod(lambda cls: analyzer))
    training.train(data, out, params={"min_df": 1}, log=lambda m: None)
    monkeypatch_session.undo()
    return out


@pytest.fixture(scope="session")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session")
def tiny_tagger(tiny_model_dir):
    from sdgtagger import Tagger
    return Tagger.load(tiny_model_dir)
