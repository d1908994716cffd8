"""Tagger.tag(texts) -> list[Tagging]: the one way to tag, used by the CLI, the API and the page."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalogue
from .model import GOALS, N_GOALS, SDGModel, load_model
from .text import TOO_SHORT_WORDS, guess_language, normalise, sentences, words

EVIDENCE_TERMS = 6
LOW_CONFIDENCE = "aucun objectif n'atteint son seuil : le plus probable est proposé, à vérifier"
NO_KNOWN_WORD = ("aucun mot connu du modèle (chiffres, symboles, sigle seul ?) : aucun score calculé ; "
                 "vérifiez que le champ de texte choisi contient bien la description")
BATCH_SIZE = 512


@dataclass
class Evidence:
    """A word (or phrase) that pushed a goal's score, where it is, and its sentence."""
    term: str          # as written in the text
    lemma: str
    weight: float      # contribution to the goal's logit
    start: int         # offsets in the text as given
    end: int
    sentence: str

    def to_dict(self) -> dict:
        return {"term": self.term, "lemma": self.lemma, "weight": round(self.weight, 3),
                "start": self.start, "end": self.end, "sentence": self.sentence}


@dataclass
class Tagging:
    """The SDG profile of one text."""
    scores: dict[int, float]                 # every goal 1..17, calibrated probability
    goals: list[int]                         # goals tagged, strongest first: the main goal, then by score
    main: int | None
    warnings: list[str] = field(default_factory=list)
    evidence: dict[int, list[Evidence]] = field(default_factory=dict)

    def record_fields(self) -> dict:
        """The fields a batch output record gets (CONTRACTS.md, batch records)."""
        return {"sdg_scores": {str(g): round(self.scores[g], 4) for g in GOALS},
                "sdgs": list(self.goals), "sdg_main": self.main, "warnings": list(self.warnings)}

    def to_dict(self, model_version: str) -> dict:
        """The JSON of POST /api/v1/tag."""
        return {
            "sdgs": [{"goal": g, "name": catalogue.name(g), "score": round(self.scores[g], 4),
                      "evidence": [e.to_dict() for e in self.evidence.get(g, [])]} for g in self.goals],
            "sdg_scores": {str(g): round(self.scores[g], 4) for g in GOALS},
            "sdg_main": self.main,
            "warnings": list(self.warnings),
            "model": {"version": model_version},
        }


class Tagger:
    """Loads a model folder once, then tags texts."""

    def __init__(self, model: SDGModel, meta: dict, knowledge=None):
        self.model = model
        self.meta = meta
        self.knowledge = knowledge  # what the recommender needs (links, levers, project index)
        self.version = meta.get("version", "inconnue")

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> "Tagger":
        """The model of ``model_dir``, else of $SDGTAGGER_MODEL_DIR, else the bundled default."""
        model, knowledge, meta = load_model(model_dir)
        return cls(model, meta, knowledge)

    def tag(self, texts, evidence: bool = True) -> list[Tagging]:
        """Tag texts (a list, or any iterable: it is read in batches)."""
        results: list[Tagging] = []
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == BATCH_SIZE:
                results.extend(self._tag_batch(batch, evidence))
                batch = []
        if batch:
            results.extend(self._tag_batch(batch, evidence))
        return results

    def _tag_batch(self, texts: list[str], evidence: bool) -> list[Tagging]:
        warnings = [text_warnings(t) for t in texts]
        scored = [i for i, t in enumerate(texts) if t and t.strip()]
        row_of = {index: position for position, index in enumerate(scored)}  # text index -> feature row
        scores = np.zeros((len(texts), N_GOALS))
        if scored:
            Xw, Xc = self.model.featurizer_.transform([texts[i] for i in scored])
            scores[scored] = self.model.predict_features(Xw, Xc)[0]
            # a text with no word the model knows ("12345", "N/A", emojis) would only get the priors
            blank = (Xw.getnnz(axis=1) + Xc.getnnz(axis=1)) == 0
            for position in np.flatnonzero(blank):
                index = scored[position]
                scores[index] = 0.0
                warnings[index] = warnings[index] + [NO_KNOWN_WORD]
                del row_of[index]
        results = []
        for index, (text, row, notes) in enumerate(zip(texts, scores, warnings)):
            order = np.argsort(-row, kind="stable")  # the main goal has the highest score (see predict)
            tagged = [int(j) + 1 for j in order if row[j] >= self.model.thresholds_[j]]
            if not tagged and index in row_of:
                tagged = [int(order[0]) + 1]
                notes = notes + [LOW_CONFIDENCE]
            tagging = Tagging({g: float(row[g - 1]) for g in GOALS}, tagged,
                              tagged[0] if tagged else None, notes)
            if evidence and tagged:
                position = row_of[index]
                tagging.evidence = self.explain(text, tagged, (Xw[position], Xc[position]))
            results.append(tagging)
        return results

    def explain(self, text: str, goals: list[int], features=None) -> dict[int, list[Evidence]]:
        """For each goal, the words that pushed its score most, with their sentence."""
        text = normalise(text)
        spans = sentences(text)
        occurrences = self.model.contributions(text, goals, features)
        result = {}
        for column, goal in enumerate(goals):
            by_lemma: dict[str, list] = {}
            for token, lemma, weights in occurrences:
                weight = float(weights[column])
                best = by_lemma.get(lemma)
                if best is None:
                    by_lemma[lemma] = [weight, token, weight]
                else:
                    best[0] += weight
                    if weight > best[2]:
                        best[1], best[2] = token, weight
            ranked = sorted(by_lemma.items(), key=lambda item: -item[1][0])
            items = []
            for lemma, (weight, token, _) in ranked[:EVIDENCE_TERMS]:
                if weight <= 0.01:
                    break
                sentence = next((text[s:e] for s, e in spans if s <= token.start < e), "")
                items.append(Evidence(text[token.start:token.end], lemma, weight, token.start,
                                      token.end, sentence))
            result[goal] = items
        return result


def text_warnings(text) -> list[str]:
    """Plain-French warnings: empty, too short, not French."""
    if not isinstance(text, str) or not text.strip():
        return ["texte vide : aucun score calculé"]
    forms = words(normalise(text))
    notes = []
    count = sum(1 for f in forms if not f.isdigit())
    if count < TOO_SHORT_WORDS:
        notes.append(f"texte trop court ({count} mot{'s' if count > 1 else ''}) : résultat peu fiable")
    language = guess_language(forms)
    if language and language != "français":
        notes.append(f"texte apparemment en {language}, pas en français : scores peu fiables")
    return notes
