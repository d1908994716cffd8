"""Cross-thematic recommendations: links between goals, targets, similar projects, funding levers.

Knowledge authored in training_data/knowledge/ (links.yaml, funding.yaml) is checked against its
schema and, with the corpus index, saved inside the model artifact by `sdgtagger train`, so a
model folder is all the recommender needs at run time.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from itertools import permutations
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import catalogue
from .messages import french
from .model import N_GOALS, _sigmoid

Goal = int


# -- knowledge files and their schema ---------------------------------------------------------
@dataclass(frozen=True)
class Link:
    source: int
    target: int
    kind: str
    strength: int
    why: str
    question: str


@dataclass(frozen=True)
class Lever:
    name: str
    goals: tuple[int, ...]
    actors: tuple[str, ...]
    conditions: str
    scope: str = "tous"   # "international" (actions abroad), "france" (in France), or "tous"


# The schemas check the files; the dataclasses above are what the model artifact keeps (they
# pickle the same way every time, which keeps `sdgtagger train` byte-for-byte reproducible).
class LinkEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    source: int = Field(alias="from", ge=1, le=17)
    target: int = Field(alias="to", ge=1, le=17)
    kind: Literal["synergie", "arbitrage"]
    strength: int = Field(ge=-3, le=3)
    why: str = Field(min_length=20)
    question: str = Field(min_length=10)

    @model_validator(mode="after")
    def _coherent(self):
        if self.source == self.target:
            raise ValueError(f"lien {self.source}→{self.target} : un objectif ne se lie pas à lui-même")
        if self.strength == 0 or (self.kind == "synergie") != (self.strength > 0):
            raise ValueError(f"lien {self.source}→{self.target} : une synergie a une force > 0, un arbitrage < 0")
        if not self.question.rstrip().endswith("?"):
            raise ValueError(f"lien {self.source}→{self.target} : la question doit finir par « ? »")
        return self


class LeverEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=3)
    goals: list[int] = Field(min_length=1)
    actors: list[str] = Field(default_factory=list)
    conditions: str = Field(min_length=20)
    scope: Literal["international", "france", "tous"] = "tous"

    @model_validator(mode="after")
    def _goals(self):
        if not all(1 <= g <= 17 for g in self.goals):
            raise ValueError(f"levier « {self.name} » : objectifs de 1 à 17")
        return self


class KnowledgeError(ValueError):
    pass


def read_links(path: Path) -> list[Link]:
    links = [Link(e.source, e.target, e.kind, e.strength, e.why, e.question)
             for e in _read_list(path, "links", LinkEntry)]
    seen = set()
    for link in links:
        if (link.source, link.target) in seen:
            raise KnowledgeError(f"{path.name} : lien {link.source}→{link.target} en double")
        seen.add((link.source, link.target))
    return links


def read_levers(path: Path) -> list[Lever]:
    return [Lever(e.name, tuple(e.goals), tuple(e.actors), e.conditions, e.scope)
            for e in _read_list(path, "levers", LeverEntry)]


def _read_list(path: Path, key: str, schema):
    from pydantic import ValidationError

    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise KnowledgeError(f"{path} : illisible ou sans clé « {key} » ({error})") from None
    result = []
    for number, item in enumerate(items, 1):
        try:
            result.append(schema.model_validate(item))
        except ValidationError as error:
            problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entrée'} : {french(e)}" for e in error.errors())
            raise KnowledgeError(f"{path.name}, {key} n° {number} : {problem}") from None
    return result


# -- what the recommender keeps -----------------------------------------------------------------
@dataclass
class Project:
    """A project that can be suggested as similar: from the corpus or the register."""
    id: str
    title: str
    sdgs: tuple[int, ...]
    source: str          # "corpus" or "registre"


@dataclass
class Knowledge:
    """Everything the recommender needs, saved in the model artifact."""
    links: list[Link]
    levers: list[Lever]
    cooccurrence: np.ndarray             # (17, 17) documents labelled with both goals
    goal_counts: np.ndarray              # (17,)
    n_documents: int
    projects: list[Project] = field(default_factory=list)
    project_vectors: sp.csr_matrix | None = None   # word TF-IDF rows of the projects
    ranker: np.ndarray | None = None   # weights of the link features (see link_features), bias last
    goals_ranker: np.ndarray | None = None   # the same, for a project given by its goals only
    # the link examples (links_dev*.jsonl): word TF-IDF rows, their goals and the links advisers expect
    example_vectors: sp.csr_matrix | None = None
    example_sdgs: np.ndarray | None = None        # (n, 17) 0/1
    example_expected: np.ndarray | None = None    # (n, 17) 0/1
    # logistic regression on the word TF-IDF row: does the project take place in France? (bias last)
    in_france: np.ndarray | None = None

    def project_labels(self) -> np.ndarray:
        """(projects, 17) 0/1: the goals of each corpus project."""
        return goal_matrix(p.sdgs for p in self.projects)

    def observed(self, goal: int, more_label_sets=()) -> list[dict]:
        """Data-driven links from a goal: documents labelled with both (corpus, plus e.g. the register),
        lift and PMI; strongest lift first."""
        extra, extra_counts = cooccurrences(more_label_sets)
        both_counts = self.cooccurrence + extra
        counts = self.goal_counts + extra_counts
        n = self.n_documents + len(more_label_sets)
        result = []
        a = goal - 1
        for b in range(N_GOALS):
            both = int(both_counts[a, b])
            if b == a or both == 0:
                continue
            lift = both * n / (counts[a] * counts[b])
            result.append({"goal": b + 1, "name": catalogue.name(b + 1), "count": both,
                           "lift": round(float(lift), 3), "pmi": round(math.log2(lift), 3)})
        return sorted(result, key=lambda r: -r["lift"])

    def authored(self, goal: int) -> list[dict]:
        """Links authored from a goal, strongest first."""
        return [{"goal": l.target, "name": catalogue.name(l.target), "kind": l.kind, "strength": l.strength,
                 "why": l.why, "question": l.question}
                for l in sorted(self.links, key=lambda l: -abs(l.strength)) if l.source == goal]


def read_knowledge(data_dir: Path) -> tuple[list[Link], list[Lever], list[dict]]:
    """The authored knowledge of training_data/, checked: links, levers, link examples."""
    return (read_links(data_dir / "knowledge" / "links.yaml"), read_levers(data_dir / "knowledge" / "funding.yaml"),
            read_link_examples(data_dir))


def build_knowledge(authored, examples, tagger) -> Knowledge:
    """Knowledge from the authored files (see read_knowledge) and the labelled examples (corpus,
    register); the link ranker is fitted on the link examples, tagged by ``tagger``."""
    links, levers, link_examples = authored
    cooccurrence, counts = cooccurrences(e.sdgs for e in examples)
    projects = [Project(e.id, title_of(e.text), tuple(e.sdgs), "corpus") for e in examples]
    featurizer = tagger.model.featurizer_
    project_vectors, _ = featurizer.transform([e.text for e in examples])
    knowledge = Knowledge(links, levers, cooccurrence, counts, len(examples), projects, project_vectors.tocsr())
    knowledge.in_france = fit_in_france(project_vectors, [getattr(e, "place", None) for e in examples])
    return with_link_examples(knowledge, tagger, link_examples)


FRENCH_PLACES = frozenset(p.casefold() for p in (
    "France", "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
    "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "PACA", "Guadeloupe", "Martinique", "Guyane",
    "La Réunion", "Réunion", "Mayotte", "Nouvelle-Calédonie", "Polynésie française", "Wallis-et-Futuna",
    "Saint-Pierre-et-Miquelon", "Saint-Martin", "Saint-Barthélemy", "Seine-Saint-Denis"))
# Places that say neither: several countries, a region of the world, "International".
UNPLACED = frozenset(p.casefold() for p in (
    "International", "Monde", "Multi-pays", "Europe", "Union européenne", "Méditerranée", "Océan Indien",
    "Pacifique", "Caraïbe", "Caraïbes"))


def place_in_france(place: str | None) -> bool | None:
    """True for a place in France (mainland or overseas), False abroad, None when it does not say
    ("International", several countries on both sides, nothing)."""
    if not place or not place.strip():
        return None
    parts = [part.strip().split(" (")[0].casefold() for part in place.split(",")]
    if any(part in UNPLACED for part in parts):
        return None
    french = [part in FRENCH_PLACES for part in parts]
    return all(french) if all(french) or not any(french) else None


def fit_in_france(vectors: sp.csr_matrix, places: list) -> np.ndarray | None:
    """Weights (bias last) of P(the project takes place in France | its words), learnt from the
    places the corpus and the register give; None without both kinds of places."""
    from sklearn.linear_model import LogisticRegression

    known = [(i, in_france) for i, in_france in enumerate(map(place_in_france, places)) if in_france is not None]
    labels = np.array([flag for _, flag in known])
    if len(set(labels.tolist())) < 2:
        return None
    clf = LogisticRegression(C=3.0, max_iter=3000).fit(vectors[[i for i, _ in known]], labels)
    return np.append(clf.coef_[0], clf.intercept_[0]).astype(np.float64)


def with_link_examples(knowledge: Knowledge, tagger, rows: list[dict]) -> Knowledge:
    """The knowledge with these link examples as neighbours, and the ranker fitted on them."""
    if rows:
        knowledge = replace(knowledge,
                            example_vectors=tagger.model.featurizer_.transform([r["text"] for r in rows])[0].tocsr(),
                            example_sdgs=goal_matrix(r.get("sdgs", ()) for r in rows),
                            example_expected=goal_matrix(r["expected"] for r in rows))
    else:
        knowledge = replace(knowledge, example_vectors=None, example_sdgs=None, example_expected=None)
    knowledge.ranker = fit_ranker(*ranker_examples(knowledge, tagger, rows)) if rows else None
    given = any(r.get("sdgs") for r in rows)
    knowledge.goals_ranker = fit_ranker(*goals_ranker_examples(knowledge, rows)) if given else None
    return knowledge


def given_goals(goals: list[int]):
    """What the recommender knows of a project given by its goals, main first: the goals' weights,
    the scores, the main goal, and a classifier's view (logits, main-goal probabilities) as if it
    had read a text about exactly these goals."""
    weights = {g: (1.0 if i == 0 else 0.8) for i, g in enumerate(goals)}
    scores = {g: weights.get(g, 0.0) for g in range(1, N_GOALS + 1)}
    given = np.array([g in weights for g in range(1, N_GOALS + 1)], dtype=float)
    return weights, scores, goals[0], 20 * given - 10, np.eye(N_GOALS)[goals[0] - 1]


def goal_matrix(label_sets) -> np.ndarray:
    rows = [[g in set(goals) for g in range(1, N_GOALS + 1)] for goals in label_sets]
    return np.array(rows, dtype=np.float64).reshape(len(rows), N_GOALS)


KNN_PROJECTS = 30   # corpus projects most like the text, whose goals vote
KNN_EXAMPLES = 20   # annotated link examples most like the text, whose expected links vote


def link_votes(knowledge: Knowledge, project_labels: np.ndarray, to_projects, to_examples) -> np.ndarray:
    """(17, 2) the neighbours' votes for each goal: the goals of the corpus projects most similar to
    the project, and the links advisers raised for the most similar link examples."""
    return np.column_stack([neighbour_votes(to_projects, project_labels, KNN_PROJECTS),
                            neighbour_votes(to_examples, knowledge.example_expected, KNN_EXAMPLES)])


def neighbour_votes(similarity: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """(17,) the share of each goal among the k items most similar to a text, weighted by similarity."""
    if labels is None or not len(similarity):
        return np.zeros(N_GOALS)
    top = np.argsort(-similarity, kind="stable")[:k]
    weight = np.maximum(similarity[top], 0.0)
    total = weight.sum()
    return weight @ labels[top] / total if total > 0 else np.zeros(N_GOALS)


def label_similarity(goals, labels: np.ndarray | None) -> np.ndarray:
    """Jaccard similarity of a list of goals with each row of a (n, 17) label matrix: the neighbours
    of a project given by its goals rather than its text."""
    if labels is None:
        return np.zeros(0)
    given = np.array([g in set(goals) for g in range(1, N_GOALS + 1)], dtype=np.float64)
    shared = labels @ given
    return shared / np.maximum(labels.sum(axis=1) + given.sum() - shared, 1.0)


def read_link_examples(data_dir: Path) -> list[dict]:
    """Projects with the links an adviser expects: {"id", "text", "sdgs", "expected"}."""
    rows = []
    for path in sorted(data_dir.glob("links_dev*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                assert isinstance(row["text"], str) and row["expected"] and all(1 <= g <= 17 for g in row["expected"])
            except (json.JSONDecodeError, KeyError, TypeError, AssertionError):
                raise KnowledgeError(f"{path.name}, ligne {number} : attendu {{\"text\", \"sdgs\", \"expected\"}}") from None
            rows.append(row)
    return rows


def link_tables(knowledge: Knowledge) -> tuple[np.ndarray, np.ndarray]:
    """(17, 17) authored strength/3 and corpus P(goal | source), source in rows."""
    strength = np.zeros((N_GOALS, N_GOALS))
    for link in knowledge.links:
        strength[link.source - 1, link.target - 1] = abs(link.strength) / 3
    return strength, knowledge.cooccurrence / np.maximum(knowledge.goal_counts[:, None], 1)


def link_features(tables, weights: dict[int, float], scores: dict[int, float], main: int | None,
                  logit: np.ndarray, p_main: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """(17, n) features of each goal as a link of a project: authored links from the main goal and
    from the other goals (strength/3, weighted by score), the text's own score for the goal, corpus
    co-occurrence with the main and the other goals, one indicator per goal (how often advisers
    raise it whatever the project), the classifier's view of the text: the goal's logit (it
    keeps the differences the calibrated score flattens) and its main-goal probability; and the
    neighbours' votes (17, 2): the goals of the most similar corpus projects, and the links
    advisers expected for the most similar annotated examples (see neighbour_votes)."""
    strength, conditional = tables
    main_row = np.zeros(N_GOALS)
    others = np.zeros(N_GOALS)
    for goal, weight in weights.items():
        if goal == main:
            main_row[goal - 1] = 1.0
        else:
            others[goal - 1] = weight
    own = np.array([scores.get(g, 0.0) for g in range(1, N_GOALS + 1)])
    from_main = main_row @ strength
    columns = [from_main, others @ strength, own, main_row @ conditional, others @ conditional, from_main * own]
    classifier = [p_main, np.clip(logit, -10, 10) / 10, (from_main > 0) * p_main]
    return np.column_stack(columns + [np.eye(N_GOALS)] + classifier + [votes])


RANKER_C = 1.0   # inverse regularisation of the link ranker


def fit_ranker(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Weights (bias last) of the logistic regression of "the adviser expects this link" on the
    rows of ranker_examples or goals_ranker_examples."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=RANKER_C, max_iter=3000).fit(features, labels)
    return np.append(clf.coef_[0], clf.intercept_[0])


def _add_candidates(x: np.ndarray, main: int, expected, features: list, labels: list) -> None:
    """Every goal but the main one as a training row of the ranker, labelled by the expected links."""
    for goal in range(1, N_GOALS + 1):
        if goal != main:
            features.append(x[goal - 1])
            labels.append(goal in expected)


def ranker_examples(knowledge: Knowledge, tagger, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The ranker's training rows: link_features of every goal but the main one, for each link
    example (``rows``, the examples the knowledge keeps, in its order), and whether advisers expect
    it. An example's neighbours are the other examples: it does not vote for itself."""
    texts = [r["text"] for r in rows]
    tables = link_tables(knowledge)
    vectors, chars = tagger.model.featurizer_.transform(texts)
    logits, main_logprobs = tagger.model.raw(vectors, chars)
    to_projects = (vectors @ knowledge.project_vectors.T).toarray()
    to_examples = (vectors @ knowledge.example_vectors.T).toarray()
    np.fill_diagonal(to_examples, -1.0)
    project_labels = knowledge.project_labels()
    features, labels = [], []
    for i, (row, tagging) in enumerate(zip(rows, tagger.tag(texts, evidence=False))):
        weights = {g: tagging.scores[g] for g in tagging.goals}
        x = link_features(tables, weights, tagging.scores, tagging.main, logits[i], np.exp(main_logprobs[i]),
                          link_votes(knowledge, project_labels, to_projects[i], to_examples[i]))
        _add_candidates(x, tagging.main, row["expected"], features, labels)
    return np.array(features), np.array(labels)


def goals_ranker_examples(knowledge: Knowledge, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """ranker_examples for projects given by their goals (examples without goals are skipped): the
    neighbours are the projects and the other examples that share most of the goals."""
    project_labels = knowledge.project_labels()
    tables = link_tables(knowledge)
    features, labels = [], []
    for i, row in enumerate(rows):
        if not row.get("sdgs"):
            continue
        weights, scores, main, logit, p_main = given_goals(row["sdgs"])
        to_examples = label_similarity(row["sdgs"], knowledge.example_sdgs)
        to_examples[i] = -1.0   # an example does not vote for itself
        to_projects = label_similarity(row["sdgs"], project_labels)
        x = link_features(tables, weights, scores, main, logit, p_main,
                          link_votes(knowledge, project_labels, to_projects, to_examples))
        _add_candidates(x, main, row["expected"], features, labels)
    return np.array(features), np.array(labels)


# The catalogue's phrasing, not what a target is about ("d'ici 2030, notamment, à tous les niveaux").
TARGET_PHRASING = frozenset("ici an notamment tout ensemble niveau partie cadre moyen mesure compris manière "
                            "matière besoin fin ci mettre assurer renforcer améliorer promouvoir garantir "
                            "favoriser veiller".split())


def _target_terms(featurizer, targets) -> sp.csr_matrix:
    """Targets x word features: 1 for each word of the target's description and keywords (but the
    catalogue's phrasing), times log(targets / targets using the word)."""
    rows, _ = featurizer.transform([" ; ".join((t.description,) + t.keywords) for t in targets])
    rows = rows.tocsr(copy=True)
    rows.data[:] = 1.0
    terms = featurizer.word_terms()
    phrasing = np.array([any(part in TARGET_PHRASING for part in terms[j].split(" ")) for j in rows.indices], dtype=bool)
    rows.data[phrasing] = 0.0
    rows.eliminate_zeros()
    used_by = np.asarray(rows.sum(axis=0)).ravel()
    rarity = np.log((1 + len(targets)) / (1 + used_by))
    rows.data = rows.data * rarity[rows.indices]
    return rows


def cooccurrences(label_sets) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.zeros((N_GOALS, N_GOALS), dtype=np.int64)
    counts = np.zeros(N_GOALS, dtype=np.int64)
    for goals in label_sets:
        for g in set(goals):
            counts[g - 1] += 1
        for a, b in permutations(set(goals), 2):
            matrix[a - 1, b - 1] += 1
    return matrix, counts


def title_of(text: str, limit: int = 90) -> str:
    """A readable title for a corpus text: its first line or sentence, cut at a word."""
    first = text.strip().split("\n", 1)[0]
    for stop in (". ", " : ", " – "):
        if stop in first[:limit + 20]:
            first = first.split(stop, 1)[0]
            break
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + " …"


# -- recommending -------------------------------------------------------------------------------
LINKS_SHOWN = 8
TARGETS_PER_GOAL = 2
TARGETS_FOR_MAIN = 3
SIMILAR_SHOWN = 5
LEVERS_SHOWN = 5
# Without links dev files to fit the ranker: authored links (main goal first), the text's own score,
# corpus co-occurrence, a small lift for the cross-cutting goals, and the neighbours' votes.
DEFAULT_RANKER = np.array([1.0, 0.6, 0.3, 1.0, 0.6, 1.0] + [0.2 if g in (5, 13) else 0.0 for g in range(1, 18)]
                          + [0.0, 0.3, 0.0] + [1.0, 1.0] + [-1.0])
# Every French cooperation project is asked about gender equality and climate (the OECD DAC policy
# markers): when no authored link explains such a suggestion, these reasons do.
CROSS_CUTTING_REASONS = {
    5: ("L'égalité femmes-hommes est une question transversale posée à tout projet de coopération (marqueur "
        "« genre » de l'aide) : un projet qui l'ignore risque de renforcer les inégalités existantes.",
        "Comment le projet associe-t-il les femmes aux décisions, et qui en bénéficie concrètement, femmes et hommes ?"),
    13: ("Le climat est une question transversale posée à tout projet (marqueurs « atténuation » et "
         "« adaptation ») : émissions du projet et résistance de ses ouvrages aux aléas climatiques.",
         "Le projet a-t-il évalué ses émissions et sa résistance aux sécheresses, inondations ou fortes chaleurs ?"),
}
SURELY_IN_FRANCE = 0.85   # above, levers for actions abroad are not offered (below 0.15, French ones):
#                          no error on the validation split (341 of 816 texts that sure)
LEVER_TEXT_WEIGHT = 4.0   # a lever's words shared with the text, against its goals (scores up to ~2.5)
MIN_RELEVANCE = 0.05   # a target's word counts if its weight for the goal is 5 % of the goal's strongest word
OTHER_THEME_BONUS = 0.25   # similar projects led by another goal rank a little higher: actors meet across sectors


@dataclass
class Recommendation:
    goals: dict[int, float]          # the project's goals and their weight (scores, or given goals)
    main: int | None
    links: list[dict]
    targets: list[dict]
    similar: list[dict]
    funding: list[dict]
    warnings: list[str]

    def to_dict(self) -> dict:
        return {"links": self.links, "targets": self.targets, "similar": self.similar,
                "funding": self.funding, "warnings": self.warnings}


class Recommender:
    """Recommends for a text (tagged first) or for a list of goals."""

    def __init__(self, tagger, knowledge: Knowledge):
        self.tagger = tagger
        self.knowledge = knowledge
        self.featurizer = tagger.model.featurizer_
        self.incoming: dict[int, list[Link]] = {}
        for link in knowledge.links:
            self.incoming.setdefault(link.target, []).append(link)
        self.tables = link_tables(knowledge)
        self.targets = catalogue.targets()
        self.target_terms = _target_terms(self.featurizer, self.targets)
        # the matrices a text is compared with, transposed once: a sparse row times a CSR matrix is
        # several times faster than the matrix times the row's transpose
        self._target_rows = [(row.indices, row.data) for row in self.target_terms]
        self._targets_of: dict[int, list[int]] = {}
        for i, target in enumerate(self.targets):
            self._targets_of.setdefault(target.goal, []).append(i)
        # (17, words): how much the classifier takes each word as a sign of each goal, 0 if not at all
        word_weights = np.asarray(tagger.model.word_weights_[:, :N_GOALS], dtype=np.float64).T
        self._relevance = np.clip(word_weights, 0.0, None) / np.maximum(word_weights.max(axis=1, keepdims=True), 1e-9)
        self._projects_t = knowledge.project_vectors.T.tocsr()
        self._examples_t = knowledge.example_vectors.T.tocsr() if knowledge.example_vectors is not None else None
        self._register_t = None
        levers, _ = self.featurizer.transform([f"{l.name}. {'. '.join(l.actors)}. {l.conditions}"
                                               for l in knowledge.levers])
        self._levers_t = levers.T.tocsr()
        self._lever_rows = [(row.indices, row.data) for row in levers.tocsr()]
        self.register: list[Project] = []
        self.register_vectors = None
        self._register_rows: dict = {}   # (id, updated_at) -> vector row
        self.project_labels = knowledge.project_labels()

    def set_register(self, projects: list[dict]) -> None:
        """Projects of the register, offered as similar projects too (the service calls this after
        each write). Only new or changed projects are vectorised again."""
        self.register = [Project(str(p["id"]), p["title"], tuple(p["sdgs"]), "registre") for p in projects]
        keys = [(p["id"], p.get("updated_at")) for p in projects]
        stale = [(k, p) for k, p in zip(keys, projects) if k not in self._register_rows]
        if stale:
            rows, _ = self.featurizer.transform([f"{p['title']}\n{p['description']}" for _, p in stale])
            self._register_rows.update((k, rows[i]) for i, (k, _) in enumerate(stale))
        self._register_rows = {k: self._register_rows[k] for k in keys}
        self.register_vectors = sp.vstack([self._register_rows[k] for k in keys]).tocsr() if keys else None
        self._register_t = self.register_vectors.T.tocsr() if keys else None

    def recommend(self, text: str | None = None, goals: list[int] | None = None, tagging=None) -> Recommendation:
        """For a text (tagged here unless its tagging is given) or for goals, main goal first."""
        if text is not None:
            tagging = tagging or self.tagger.tag([text])[0]
            weights = {g: tagging.scores[g] for g in tagging.goals}
            if not weights:  # an empty text: nothing to build on
                return Recommendation({}, None, [], [], [], [], ["aucun objectif identifié : pas de recommandation"])
            scores = tagging.scores
            main = tagging.main
            vector, chars = self.featurizer.transform([text])
            logit, main_logprob = self.tagger.model.raw(vector, chars)
            classifier = (logit[0], np.exp(main_logprob[0]))
            to_projects = self._to_projects(vector)
            to_examples = self._to_examples(vector) if self._examples_t is not None else None
        else:
            if not goals:
                raise ValueError("donnez un texte ou au moins un objectif")
            weights, scores, main, *classifier = given_goals(goals)
            query = " ".join(catalogue.goal(g).summary for g in goals)
            vector = self.featurizer.transform([query])[0]
            # neighbours by their goals: the projects and examples that share most of these goals
            to_projects = label_similarity(goals, self.project_labels)
            to_examples = label_similarity(goals, self.knowledge.example_sdgs)
        ranker = self.knowledge.ranker if text is not None else self.knowledge.goals_ranker
        links, warnings = self._links(weights, scores, main, *classifier,
                                      link_votes(self.knowledge, self.project_labels, to_projects, to_examples), ranker)
        corpus_similarity = to_projects if text is not None else self._to_projects(vector)
        return Recommendation(weights, main, links, self._targets(vector, weights, main),
                              self._similar(vector, weights, main, corpus_similarity),
                              self._funding(vector, weights, main, self.in_france(vector) if text is not None else None),
                              warnings)

    def in_france(self, vector) -> float | None:
        """Probability that a project takes place in France, from its words; None if unknown."""
        weights = self.knowledge.in_france
        if weights is None or not vector.nnz:
            return None
        return float(_sigmoid(vector.data @ weights[vector.indices] + weights[-1]))

    @staticmethod
    def _scope_fit(scope: str, in_france: float | None) -> float:
        """1 when the lever's scope may fit the project, down to 0 when it surely does not."""
        if in_france is None or scope == "tous":
            return 1.0
        return min(1.0, 2 * (1 - in_france) if scope == "international" else 2 * in_france)

    def _to_projects(self, vector) -> np.ndarray:
        return (vector @ self._projects_t).toarray().ravel()

    def _to_examples(self, vector) -> np.ndarray:
        return (vector @ self._examples_t).toarray().ravel()

    def _links(self, weights: dict[int, float], scores: dict[int, float], main: int | None, logit, p_main, votes,
               ranker):
        """Goals the project touches or should consider, best first: the probability that an adviser
        raises the goal, from link_features and the ranker fitted at training on the links dev files.
        Rationale and question come from the authored links (see _reason); raised_for_similar is the
        share of the most similar annotated projects for which advisers raised the goal."""
        ranker = ranker if ranker is not None else DEFAULT_RANKER
        features = link_features(self.tables, weights, scores, main, logit, p_main, votes)
        probability = _sigmoid(features @ ranker[:-1] + ranker[-1])
        source_weight = {g: (1.0 if g == main else w) for g, w in weights.items()}
        conditional = self.tables[1]
        ranked = []
        for goal in np.argsort(-probability, kind="stable") + 1:
            goal = int(goal)
            if goal == main:
                continue
            contributions = sorted(((source_weight[l.source] * abs(l.strength) / 3, l)
                                    for l in self.incoming.get(goal, []) if l.source in source_weight),
                                   key=lambda pair: -pair[0])
            ranked.append({"goal": goal, "name": catalogue.name(goal), "score": round(float(probability[goal - 1]), 4),
                           "tagged": goal in weights, "raised_for_similar": round(float(votes[goal - 1, 1]), 3),
                           **self._reason(goal, contributions, source_weight, conditional, main)})
            if len(ranked) == LINKS_SHOWN:
                break
        warnings = [f"arbitrage possible entre l'ODD {r['from'][0]} et l'ODD {r['goal']} "
                    f"({catalogue.name(r['goal'])}) : {r['question']}" for r in ranked if r["kind"] == "arbitrage"]
        return ranked, warnings

    def _reason(self, goal, contributions, source_weight, conditional, main) -> dict:
        """Kind, strength, sources, rationale and question: from the authored links when there are
        some (the link from the main goal, what the project is about, else the kind that weighs
        most and its strongest link), else from the corpus or the cross-cutting markers."""
        if contributions:
            lead = next((l for _, l in contributions if l.source == main), None)
            if lead is None:
                by_kind = {kind: sum(c for c, l in contributions if l.kind == kind) for kind in ("synergie", "arbitrage")}
                lead = next(l for _, l in contributions if l.kind == max(by_kind, key=by_kind.get))
            kind = lead.kind
            sources = [lead.source] + [l.source for _, l in contributions if l.source != lead.source]
            return {"kind": kind, "strength": lead.strength, "from": sources, "why": lead.why,
                    "question": lead.question, "observed_lift": self._lift(lead.source, goal)}
        name = catalogue.name(goal)
        source = max(source_weight, key=lambda f: source_weight[f] * conditional[f - 1, goal - 1])
        share = conditional[source - 1, goal - 1]
        if goal in CROSS_CUTTING_REASONS and share < 0.15:
            why, question = CROSS_CUTTING_REASONS[goal]
            source = main if main is not None else source
        else:
            why = (f"Dans notre corpus, {100 * share:.0f} % des projets qui servent l'ODD {source} servent aussi "
                   f"l'ODD {goal} ({name}).")
            question = f"Le projet a-t-il, ou pourrait-il avoir, un volet « {name} » ?"
        return {"kind": "synergie", "strength": 1, "from": [source], "why": why, "question": question,
                "observed_lift": self._lift(source, goal)}

    def _lift(self, source: int, goal: int) -> float | None:
        k = self.knowledge
        both = k.cooccurrence[source - 1, goal - 1]
        if not both:
            return None
        return round(float(both * k.n_documents / (k.goal_counts[source - 1] * k.goal_counts[goal - 1])), 3)

    def _targets(self, vector, weights: dict[int, float], main: int | None) -> list[dict]:
        """For each tagged goal (strongest first), its targets whose words the text uses most: the sum,
        over the words the text shares with the target, of the text's TF-IDF weight times how few
        targets use the word (so "forage" points to 6.1 more than "eau" does). Only words that the
        classifier takes as a sign of the goal count (so "vivant" or "état" do not match a target
        of goal 3 or 14 by chance)."""
        query = dict(zip(vector.indices, vector.data))
        terms = self.featurizer.word_terms()
        result = []
        for goal in sorted(weights, key=lambda g: -weights[g])[:5]:
            relevance = self._relevance[goal - 1]
            scored = []
            for i in self._targets_of.get(goal, ()):
                indices, data = self._target_rows[i]
                shared = [(query[j] * v, terms[j]) for j, v in zip(indices, data)
                          if j in query and relevance[j] >= MIN_RELEVANCE]
                if shared:
                    scored.append((sum(c for c, _ in shared), i, sorted(shared, reverse=True)))
            scored.sort(key=lambda item: (-item[0], item[1]))
            for score, i, shared in scored[:TARGETS_FOR_MAIN if goal == main else TARGETS_PER_GOAL]:
                result.append({"target": self.targets[i].target, "goal": goal,
                               "description": self.targets[i].description,
                               "score": round(float(score), 4), "evidence": [t for _, t in shared[:5]]})
        return result

    def _similar(self, vector, weights: dict[int, float], main: int | None, corpus_similarity) -> list[dict]:
        pools = [(self.knowledge.projects, self.knowledge.project_vectors, corpus_similarity)]
        if self.register_vectors is not None:
            pools.append((self.register, self.register_vectors, (vector @ self._register_t).toarray().ravel()))
        query = dict(zip(vector.indices, vector.data))
        terms = self.featurizer.word_terms()
        candidates = []
        for projects, vectors, similarity in pools:
            for i in np.argsort(-similarity)[:50]:
                if similarity[i] <= 0.05 or similarity[i] > 0.98:   # unrelated, or the text itself
                    continue
                project = projects[i]
                other_theme = bool(project.sdgs) and project.sdgs[0] != main
                candidates.append((similarity[i] * (1 + OTHER_THEME_BONUS * other_theme), similarity[i], project,
                                   vectors, i, other_theme))
        candidates.sort(key=lambda c: -c[0])
        result = []
        for score, _, project, vectors, i, other_theme in candidates[:SIMILAR_SHOWN]:
            row = vectors[i]   # slicing a sparse row is slow: only for the projects shown
            shared_terms = sorted(((query[j] * v, terms[j]) for j, v in zip(row.indices, row.data) if j in query),
                                  reverse=True)[:4]
            shared_goals = [g for g in project.sdgs if g in weights]
            why = "termes communs : " + ", ".join(t for _, t in shared_terms)
            if shared_goals:
                why += " ; ODD communs : " + ", ".join(map(str, shared_goals))
            if other_theme:
                why += f" ; autre thème principal (ODD {project.sdgs[0]})"
            result.append({"id": project.id, "title": project.title, "sdgs": list(project.sdgs),
                           "score": round(float(score), 4), "why": why, "source": project.source})
        return result

    def _funding(self, vector, weights: dict[int, float], main: int | None, in_france: float | None) -> list[dict]:
        """Levers that fit the project's goals (the lever's first goal counts most, the main goal gets
        a bonus) and its words (what the lever is for, who uses it: a waste project of a commune
        that speaks of its household-waste service meets the 1 % waste), with the shared words.
        A lever for actions abroad ranks lower the likelier the project takes place in France
        (in_france, the probability from the project's words), and is not offered at all when that is
        near certain; the same for a French lever and a project abroad."""
        text_similarity = (vector @ self._levers_t).toarray().ravel()
        query = dict(zip(vector.indices, vector.data))
        terms = self.featurizer.word_terms()
        ranked = []
        for i, lever in enumerate(self.knowledge.levers):
            fits = self._scope_fit(lever.scope, in_france)
            if fits < 2 * (1 - SURELY_IN_FRANCE):
                continue
            score = sum(weights.get(g, 0.0) * (1.0 if n == 0 else 0.5) for n, g in enumerate(lever.goals))
            if main is not None and lever.goals[0] == main:
                score += 0.5
            if score > 0:
                ranked.append((fits * (score + LEVER_TEXT_WEIGHT * text_similarity[i]), i, lever))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        result = []
        for score, i, lever in ranked[:LEVERS_SHOWN]:
            indices, data = self._lever_rows[i]
            shared = sorted(((query[j] * v, terms[j]) for j, v in zip(indices, data) if j in query), reverse=True)
            result.append({"name": lever.name, "goals": list(lever.goals), "conditions": lever.conditions,
                           "actors": list(lever.actors), "scope": lever.scope, "score": round(float(score), 4),
                           "evidence": [t for _, t in shared[:5]]})
        return result
