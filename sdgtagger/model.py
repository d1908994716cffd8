"""Features and classifier: fit, score, explain, save and load.

Features come in two blocks, each TF-IDF weighted (sublinear tf) and L2-normalised:
- words: lemmas of content words and bigrams of neighbouring content lemmas;
- characters: 3- to 5-grams of each content word without accents (typos, missing accents,
  unseen inflections, compounds).
Every feature of a document belongs to one word occurrence, so a goal's linear score splits
exactly into per-word contributions: that is the evidence.

Classifier: one logistic regression per goal (17 columns of one weight matrix), a softmax
regression over the main goal, and per goal a calibration fitted on the validation split that
combines both into a probability that the goal applies. Thresholds per goal maximise F1 on the
validation split.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .text import FrenchAnalyzer, normalise, strip_accents, tokenize, words

N_GOALS = 17
GOALS = tuple(range(1, N_GOALS + 1))
MAIN_MARGIN = 2e-4  # the main goal's score stays visibly first after rounding to 4 decimals
MAIN_OFFSETS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # candidate weights of the main-goal model
_CACHE_LIMIT = 300_000  # forms remembered between documents; cleared when full so memory stays flat


@dataclass
class _Form:
    """What one word form contributes: its lemma, its word feature, its character features."""
    lemma: str
    word: int
    chars: tuple[int, ...]


_STOP = _Form("", -1, ())


class Featurizer:
    """Turns French texts into the two TF-IDF blocks (words, characters).

    Word features are lemmas without accents, so that "sécurité alimentaire" and an archive's
    "securite alimentaire" are the same feature; explanations show each feature's usual accented
    lemma (display_).
    """

    def __init__(self, char_ngrams=(3, 5), min_df=2, bigrams=True):
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.bigrams = bigrams

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, texts, analyzer: FrenchAnalyzer):
        self.analyzer_ = analyzer
        word_df: dict[str, int] = {}
        char_df: dict[str, int] = {}
        spellings: dict[str, dict[str, int]] = {}
        for text in texts:
            forms = words(normalise(text))
            lemmas = [self._lemma(f) for f in forms]
            for form, key in zip(forms, lemmas):
                if key:
                    lemma = analyzer.lemma(form)
                    counts = spellings.setdefault(key, {})
                    counts[lemma] = counts.get(lemma, 0) + 1
            content = [lem for lem in lemmas if lem]
            terms = set(content)
            if self.bigrams:
                terms.update(f"{a} {b}" for a, b in zip(content, content[1:]))
            for term in terms:
                word_df[term] = word_df.get(term, 0) + 1
            grams = set()
            for form in {f for f, lemma in zip(forms, lemmas) if lemma}:
                grams.update(self._grams(form))
            for gram in grams:
                char_df[gram] = char_df.get(gram, 0) + 1
        n_docs = len(texts)
        self.word_vocab_, self.word_idf_ = _vocabulary(word_df, self.min_df, n_docs)
        self.char_vocab_, self.char_idf_ = _vocabulary(char_df, self.min_df, n_docs)
        keep = {t for t in self.word_vocab_ if " " not in t}
        self.analyzer_ = analyzer.restricted(keep)
        # the most frequent spelling of each word feature (accented beats bare on a tie)
        self.display_ = {key: max(sorted(spellings[key]), key=lambda s: (spellings[key][s], s != key))
                         for key in sorted(keep)}
        self._cache = {}
        return self

    def _lemma(self, form: str) -> str:
        """The word feature of a content word (its lemma, accents removed), or '' for stop words,
        digits and single letters."""
        if len(form) < 2 or form.isdigit() or form in self.analyzer_.stop_words:
            return ""
        return strip_accents(self.analyzer_.lemma(form))

    def display(self, term: str) -> str:
        """A word feature (lemma or bigram) as people write it, accents included."""
        return " ".join(self.display_.get(part, part) for part in term.split(" "))

    def _grams(self, form: str):
        key = f" {strip_accents(form)} "
        low, high = self.char_ngrams
        for n in range(low, high + 1):
            for i in range(len(key) - n + 1):
                yield key[i:i + n]

    def _form(self, form: str) -> _Form:
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = self._cache = {}
        entry = cache.get(form)
        if entry is None:
            lemma = self._lemma(form)
            if not lemma:
                entry = _STOP
            else:
                vocab = self.char_vocab_
                chars = tuple(vocab[g] for g in self._grams(form) if g in vocab)
                entry = _Form(lemma, self.word_vocab_.get(lemma, -1), chars)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[form] = entry
        return entry

    def word_terms(self) -> list[str]:
        """Word features by index (lemmas and bigrams), for explanations."""
        terms = getattr(self, "_terms", None)
        if terms is None:
            terms = self._terms = [self.display(t) for t in sorted(self.word_vocab_, key=self.word_vocab_.get)]
        return terms

    # joblib unpickles in pure Python, one string at a time: the vocabularies (tens of thousands of
    # strings) are stored as one joined string each, which loads about ten times faster.
    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_cache", None)
        state.pop("_terms", None)
        for name in ("word_vocab_", "char_vocab_"):
            if name in state:
                state[name] = _joined(sorted(state[name], key=state[name].get))
        if "display_" in state:
            state["display_"] = (_joined(state["display_"]), _joined(state["display_"].values()))
        return state

    def __setstate__(self, state):
        for name in ("word_vocab_", "char_vocab_"):
            if name in state:
                state[name] = {term: i for i, term in enumerate(_split(state[name]))}
        if "display_" in state:
            state["display_"] = dict(zip(_split(state["display_"][0]), _split(state["display_"][1])))
        self.__dict__.update(state)

    # -- transforming ------------------------------------------------------------------------
    def transform(self, texts) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(words, characters) TF-IDF matrices, one row per text."""
        word_cols: list[int] = []
        char_cols: list[int] = []
        word_ptr = [0]
        char_ptr = [0]
        vocab = self.word_vocab_
        for text in texts:
            previous = None
            for form in words(normalise(text)):
                entry = self._form(form)
                if entry is _STOP:
                    continue
                if entry.word >= 0:
                    word_cols.append(entry.word)
                if self.bigrams and previous is not None:
                    bigram = vocab.get(f"{previous} {entry.lemma}")
                    if bigram is not None:
                        word_cols.append(bigram)
                previous = entry.lemma
                char_cols.extend(entry.chars)
            word_ptr.append(len(word_cols))
            char_ptr.append(len(char_cols))
        return (_tfidf(word_cols, word_ptr, self.word_idf_),
                _tfidf(char_cols, char_ptr, self.char_idf_))

    def occurrences(self, text: str):
        """Content-word occurrences of one text: (token, entry, bigram id with the previous one)."""
        previous = None
        result = []
        for token in tokenize(normalise(text)):
            entry = self._form(token.form)
            if entry is _STOP:
                continue
            bigram = -1
            if self.bigrams and previous is not None:
                bigram = self.word_vocab_.get(f"{previous.lemma} {entry.lemma}", -1)
            result.append((token, entry, bigram))
            previous = entry
        return result


def _joined(strings) -> str:
    """Strings without line breaks (terms, lemmas) as one string; _split gives them back."""
    return "\n".join(strings)


def _split(joined: str) -> list[str]:
    return joined.split("\n") if joined else []


def _vocabulary(df: dict[str, int], min_df: int, n_docs: int):
    terms = sorted(t for t, n in df.items() if n >= min_df)
    vocab = {t: i for i, t in enumerate(terms)}
    idf = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1 for t in terms], dtype=np.float64)
    return vocab, idf


def _tfidf(cols: list[int], ptr: list[int], idf: np.ndarray) -> sp.csr_matrix:
    n_rows = len(ptr) - 1
    indices = np.asarray(cols, dtype=np.int32)
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, np.asarray(ptr, dtype=np.int64)),
                           shape=(n_rows, len(idf)))
    matrix.sum_duplicates()
    data = ((1.0 + np.log(matrix.data)) * idf[matrix.indices]).astype(np.float32)
    squares = np.zeros(n_rows, dtype=np.float32)
    nonempty = np.diff(matrix.indptr) > 0
    if data.size:
        squares[nonempty] = np.add.reduceat(data * data, matrix.indptr[:-1][nonempty])
    norms = np.sqrt(squares, dtype=np.float32)
    norms[norms == 0] = 1.0
    matrix.data = data / np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@dataclass
class Labels:
    """Multi-label targets: one row per text, goals with the main goal first."""
    goals: list[list[int]]

    def matrix(self) -> np.ndarray:
        y = np.zeros((len(self.goals), N_GOALS), dtype=np.int8)
        for i, goals in enumerate(self.goals):
            for g in goals:
                y[i, g - 1] = 1
        return y

    def main(self) -> np.ndarray:
        return np.array([goals[0] - 1 for goals in self.goals])


@dataclass
class SDGModel:
    """Scores French texts against the 17 goals; see the module docstring."""
    C: float = 10.0
    main_C: float = 10.0
    char_weight: float = 1.0
    main_weight: float = 2.0
    char_ngrams: tuple = (3, 5)
    min_df: int = 2
    featurizer_: Featurizer | None = field(default=None, repr=False)

    def params(self) -> dict:
        """The hyperparameters, as recorded in meta.json."""
        return {"C": self.C, "main_C": self.main_C, "char_weight": self.char_weight,
                "main_weight": self.main_weight, "char_ngrams": list(self.char_ngrams), "min_df": self.min_df}

    def fit(self, texts, labels: Labels, val_texts, val_labels: Labels, analyzer: FrenchAnalyzer,
            sample_weight=None):
        from sklearn.linear_model import LogisticRegression

        if not texts or not val_texts:
            raise ValueError("il faut des exemples d'entraînement et de validation")
        y = labels.matrix()
        missing = [g for g in GOALS if not y[:, g - 1].any()]
        if missing:
            raise ValueError(f"aucun exemple d'entraînement pour les objectifs {missing}")
        self.featurizer_ = Featurizer(self.char_ngrams, self.min_df).fit(texts, analyzer)
        Xw, Xc = self.featurizer_.transform(texts)
        X = sp.hstack([Xw, Xc * self.char_weight]).tocsr()
        base = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, float)
        main = labels.main()
        n_words = Xw.shape[1]

        # One matrix: 17 per-goal columns, then 17 main-goal columns, so scoring is one product per block.
        weights = np.zeros((X.shape[1], 2 * N_GOALS))
        bias = np.zeros(2 * N_GOALS)
        for g in range(N_GOALS):
            w = base * np.where(main == g, self.main_weight, 1.0)
            clf = LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced",
                                     max_iter=1000, random_state=0)
            clf.fit(X, y[:, g], sample_weight=w)
            weights[:, g] = clf.coef_[0]
            bias[g] = clf.intercept_[0]
        clf = LogisticRegression(C=self.main_C, max_iter=2000)
        clf.fit(X, main, sample_weight=base)
        weights[:, N_GOALS + clf.classes_] = clf.coef_.T
        bias[N_GOALS:] = -1e3  # a goal never seen as main keeps a null probability
        bias[N_GOALS + clf.classes_] = clf.intercept_
        self.word_weights_ = np.ascontiguousarray(weights[:n_words], dtype=np.float32)
        self.char_weights_ = np.ascontiguousarray(weights[n_words:] * self.char_weight, dtype=np.float32)
        self.bias_ = bias

        self._calibrate(val_texts, val_labels)
        return self

    def raw(self, Xw, Xc):
        """Per-goal logit and main-goal log-probability, each (n, 17)."""
        out = np.asarray(Xw @ self.word_weights_ + Xc @ self.char_weights_, dtype=np.float64) + self.bias_
        return out[:, :N_GOALS], _log_softmax(out[:, N_GOALS:])

    def _calibrate(self, val_texts, val_labels: Labels):
        """Per-goal calibration on validation: P(goal) = sigmoid(a·logit + β·log P(main) + c).

        β is shared by all goals and chosen on validation for the best micro-F1 plus top-1 (goals
        ordered by priority); a and c keep each score a calibrated probability. The threshold,
        common to all goals, maximises micro-F1 on validation.
        """
        logit, main = self.raw(*self.featurizer_.transform(val_texts))
        y = val_labels.matrix()
        truth_main = val_labels.main()
        best = None
        for beta in MAIN_OFFSETS:
            fits = np.array([_fit_offset_logistic(logit[:, g], beta * main[:, g], y[:, g]) for g in range(N_GOALS)])
            calibration = np.column_stack([fits[:, 0], np.full(N_GOALS, beta), fits[:, 1]])
            scores = _sigmoid(logit * calibration[:, 0] + main * beta + calibration[:, 2])
            # one threshold for all goals: the scores are calibrated probabilities, and per-goal
            # thresholds, fitted on a few dozen positives each, did worse on held-out validation
            thresholds = np.full(N_GOALS, _best_threshold(scores.ravel(), y.ravel()))
            predicted = scores >= thresholds
            micro = 2 * np.sum(predicted & (y == 1)) / (predicted.sum() + y.sum())
            top1 = np.mean((np.exp(main) * scores).argmax(axis=1) == truth_main)
            if best is None or top1 + micro > best[0] + 1e-9:
                best = (top1 + micro, calibration, thresholds)
        _, self.calibration_, self.thresholds_ = best

    def _calibrated(self, logit, main):
        a, b, c = self.calibration_.T
        return _sigmoid(logit * a + main * b + c)

    def scores(self, texts) -> np.ndarray:
        """Calibrated probability that each goal applies, shape (n, 17)."""
        return self.predict(texts)[0]

    def predict(self, texts) -> tuple[np.ndarray, np.ndarray]:
        return self.predict_features(*self.featurizer_.transform(texts))

    def predict_features(self, Xw, Xc) -> tuple[np.ndarray, np.ndarray]:
        """(scores, priority), each (n, 17).

        Priority orders the goals of a text, the main goal first: the main-goal model's probability
        times the calibrated score (better top-1 than either alone). The main goal is the goal of
        highest priority among those above their threshold (or overall, when none is); as the goal
        the text is about, it applies at least as surely as any other, so its score is raised just
        above the others' when needed. Scores then rank the goals as priority ranks the main one:
        the highest score is the main goal. (Measured on validation: calibration unchanged, Brier
        score slightly better.)"""
        logit, main = self.raw(Xw, Xc)
        scores = self._calibrated(logit, main)
        priority = np.exp(main) * scores
        ranked = np.where(scores >= self.thresholds_, priority, priority - 2.0)  # tagged goals first
        lead = ranked.argmax(axis=1)
        rows = np.arange(len(scores))
        others = scores.copy()
        others[rows, lead] = -1.0
        scores[rows, lead] = np.maximum(scores[rows, lead], np.minimum(1.0, others.max(axis=1) + MAIN_MARGIN))
        return scores, priority

    def contributions(self, text: str, goals: list[int], features=None):
        """Per content-word contribution to each goal's logit: [(token, lemma, weights by goal)].

        A feature's share of the logit (value x weight) is split evenly among the occurrences that
        produced it; a bigram gives half to each of its two words. The shares add up to the logit
        minus the bias. ``features``: the text's (words, characters) rows, when already computed.
        """
        f = self.featurizer_
        Xw, Xc = features if features is not None else f.transform([text])
        occurrences = f.occurrences(text)
        columns = [g - 1 for g in goals]
        blocks = []
        for X, weights, features_of in (
                (Xw, self.word_weights_, lambda e, b: ([e.word] if e.word >= 0 else []) + ([b] if b >= 0 else [])),
                (Xc, self.char_weights_, lambda e, b: e.chars)):
            position = {j: p for p, j in enumerate(X.indices)}
            rows, cols, shares = [], [], []
            for i, (_, entry, bigram) in enumerate(occurrences):
                for j in features_of(entry, bigram):
                    if j == bigram:  # half to this word, half to the previous one
                        rows += [i - 1, i]
                        cols += [position[j], position[j]]
                        shares += [0.5, 0.5]
                    else:
                        rows.append(i)
                        cols.append(position[j])
                        shares.append(1.0)
            split = sp.csr_matrix((shares, (rows, cols)), shape=(len(occurrences), len(X.indices)))
            counts = np.asarray(split.sum(axis=0)).ravel()  # the doc-level counts, bigram halves included
            counts[counts == 0] = 1.0
            value = X.data[:, None] * weights[X.indices][:, columns] / counts[:, None]
            blocks.append(split @ value)
        total = blocks[0] + blocks[1]
        return [(token, f.display(entry.lemma), total[i]) for i, (token, entry, _) in enumerate(occurrences)]


def _fit_offset_logistic(x, offset, y, l2=1e-3) -> list[float]:
    """[a, c] of P(y) = sigmoid(a·x + c + offset), by L-BFGS on the log-loss (deterministic, tiny)."""
    from scipy.optimize import minimize

    if y.min() == y.max():  # a goal absent (or everywhere) in validation: keep the raw logit
        return [1.0, 0.0]
    sign = 2.0 * y - 1.0

    def loss(w):
        z = w[0] * x + w[1] + offset
        p = _sigmoid(z)
        value = np.sum(np.logaddexp(0.0, -sign * z)) + l2 * w @ w / 2
        gradient = np.array([np.sum((p - y) * x), np.sum(p - y)]) + l2 * w
        return value, gradient

    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return [float(result.x[0]), float(result.x[1])]


def _best_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The threshold that maximises F1 on validation, kept within [0.15, 0.85]."""
    if truth.sum() == 0:
        return 0.5
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.15, 0.851, 0.01):
        predicted = scores >= threshold
        tp = np.sum(predicted & (truth == 1))
        f1 = 2 * tp / (predicted.sum() + truth.sum())
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


# -- the model folder ----------------------------------------------------------------------
ARTIFACT = "sdgtagger.joblib"
META = "meta.json"
FORMAT = 3  # bump when the artifact's structure changes


class ModelError(RuntimeError):
    """A model folder that cannot be used; the message says what to do."""


def default_model_dir() -> Path:
    """$SDGTAGGER_MODEL_DIR, else the bundled model: models/ of this clone, or the copy installed
    with the package (``sdgtagger_model``)."""
    env = os.environ.get("SDGTAGGER_MODEL_DIR")
    if env:
        return Path(env)
    clone = Path(__file__).resolve().parent.parent / "models"
    if (clone / ARTIFACT).is_file():
        return clone
    from importlib.util import find_spec

    spec = find_spec("sdgtagger_model")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return clone


def library_versions() -> dict:
    import platform

    import joblib
    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "joblib": joblib.__version__}


def save_model(model: SDGModel, knowledge, meta: dict, folder: Path) -> None:
    """Write the artifact (model and recommender knowledge) and meta.json."""
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump({"model": model, "knowledge": knowledge}, folder / ARTIFACT, compress=3)
    meta = {"format": FORMAT, **meta, "libraries": library_versions()}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_model(folder: str | Path | None = None) -> tuple[SDGModel, object, dict]:
    """Load a model folder written by ``sdgtagger train``, checking format and versions."""
    import joblib

    folder = Path(folder) if folder else default_model_dir()
    meta_path, artifact = folder / META, folder / ARTIFACT
    if not meta_path.is_file() or not artifact.is_file():
        raise ModelError(f"pas de modèle dans {folder} (il faut {ARTIFACT} et {META}) : "
                         "lancez « sdgtagger train » ou indiquez SDGTAGGER_MODEL_DIR")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ModelError(f"le modèle de {folder} est au format {meta.get('format')}, cette version de "
                         f"sdgtagger lit le format {FORMAT} : relancez « sdgtagger train »")
    built = meta.get("libraries", {}).get("numpy", "")
    if built.split(".")[:1] != np.__version__.split(".")[:1]:
        raise ModelError(f"le modèle de {folder} a été créé avec numpy {built}, numpy {np.__version__} "
                         "est installé : réinstallez les versions de pyproject.toml ou relancez « sdgtagger train »")
    try:
        content = joblib.load(artifact)
    except Exception as error:  # a corrupt or foreign file: say which and what to do
        raise ModelError(f"{artifact} est illisible ({error.__class__.__name__}: {error}) : "
                         "relancez « sdgtagger train »") from None
    if not isinstance(content, dict) or not isinstance(content.get("model"), SDGModel):
        raise ModelError(f"{artifact} ne contient pas un modèle sdgtagger : relancez « sdgtagger train »")
    return content["model"], content.get("knowledge"), meta
