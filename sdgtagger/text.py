"""French text preprocessing: normalisation, tokenisation, lemmas, stop words, language check.

The hot path does not run a spaCy pipeline per document. Training reads spaCy's French
resources once (the lookup lemmatizer of ``spacy-lookups-data`` and spaCy's French stop
words) into a :class:`FrenchAnalyzer`, which is stored inside the model artifact; tagging
then needs only a compiled regular expression and dictionary look-ups. The bench prints the
speed of spaCy's bare ``spacy.blank("fr")`` tokenizer beside ours, and a test checks that
both give the same content words.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# One-to-one replacements only, so that offsets in the normalised text are offsets in the input.
_NORMALISE = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
})

# Letters and digits; apostrophes and hyphens split words (l'eau -> l, eau; Bobo-Dioulasso -> bobo, dioulasso).
TOKEN_RE = re.compile(r"[^\W_]+")
SENTENCE_RE = re.compile(r"[^.!?;\n•]+(?:[.!?;]+|$)", re.MULTILINE)

# Function words that tell French from the languages portals most often send by mistake.
# Only words that are not also French are kept for the other languages.
LANGUAGE_WORDS = {
    "français": frozenset("le les des du et est une dans pour avec sur au aux qui cette ces sont "
                          "par pas leur leurs ou été être nous vous ils elles à où également "
                          "notamment afin auprès".split()),
    "anglais": frozenset("the and of to is with for this that are be by from which will have has "
                         "their its was were an or not into our we they these those been through "
                         "within".split()),
    "espagnol": frozenset("el los las del y con por para una está más pero sus al lo esta este "
                          "también muy fue según desde hasta donde como entre mediante "
                          "nuestra nuestro".split()),
}
TOO_SHORT_WORDS = 3


def normalise(text: str) -> str:
    """Unicode NFC, typographic apostrophes and spaces made plain; same length as NFC input."""
    return unicodedata.normalize("NFC", text).translate(_NORMALISE)


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of a normalised text; bullets and line breaks end sentences."""
    spans = []
    for match in SENTENCE_RE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


@dataclass
class Token:
    form: str    # lower-cased surface form
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens with their offsets in ``text`` (already normalised)."""
    return [Token(m.group().lower(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-cased word forms, the fast path when offsets are not needed."""
    return TOKEN_RE.findall(text.lower())


def guess_language(forms: list[str]) -> str | None:
    """The language whose function words dominate, or None when too few function words."""
    counts = {lang: sum(1 for f in forms if f in vocab) for lang, vocab in LANGUAGE_WORDS.items()}
    best = max(counts, key=counts.get)
    if counts[best] < 2:
        return None
    return best


@dataclass
class FrenchAnalyzer:
    """Maps a word form to its lemma and tells stop words; built once from spaCy's resources."""
    lemmas: dict[str, str] = field(default_factory=dict)
    stop_words: frozenset[str] = frozenset()

    @classmethod
    def from_spacy(cls) -> "FrenchAnalyzer":
        """spaCy's French lookup-lemmatizer table and stop words (slow: call at training time)."""
        import spacy_lookups_data
        import srsly
        from spacy.lang.fr.stop_words import STOP_WORDS

        table = srsly.read_gzip_json(str(spacy_lookups_data.fr["lemma_lookup"]) + ".gz")
        known_forms = {normalise(form.lower()) for form in table}
        lemmas = {}
        for form, lemma in table.items():
            lemma = lemma[0] if isinstance(lemma, list) else lemma
            form, lemma = normalise(form.lower()), normalise(lemma.lower())
            if TOKEN_RE.fullmatch(form) and form != lemma:
                lemmas[form] = lemma
        # Archives often lose their accents ("activites", "securite alimentaire"): an unaccented form
        # gets the lemma of its accented form, unless it is itself a word or a lemma ("peche" stays
        # "peche", the folded lemma of "pêche").
        folded_lemmas = {strip_accents(lemma) for lemma in lemmas.values()}
        for form in sorted(lemmas):
            bare = strip_accents(form)
            if bare != form and bare not in known_forms and bare not in folded_lemmas:
                lemmas.setdefault(bare, lemmas[form])
        stop = {w for w in map(normalise, STOP_WORDS) if TOKEN_RE.fullmatch(w)}
        # Words of spaCy's list that carry meaning in project texts.
        stop -= {"personne", "gens", "nouveau", "ouvert", "ouverte", "ouverts", "retour", "proche"}
        return cls(lemmas=lemmas, stop_words=frozenset(stop))

    def lemma(self, form: str) -> str:
        return self.lemmas.get(form, form)

    # A set pickles in hash order, which changes from one process to the next: store it sorted so
    # that the same data gives the same artifact, byte for byte.
    # Joined into two strings: joblib's pure-Python unpickler is slow on many small strings.
    def __getstate__(self):
        return {"forms": "\n".join(self.lemmas), "lemmas": "\n".join(self.lemmas.values()),
                "stop_words": "\n".join(sorted(self.stop_words))}

    def __setstate__(self, state):
        forms, lemmas = state["forms"], state["lemmas"]
        self.lemmas = dict(zip(forms.split("\n"), lemmas.split("\n"))) if forms else {}
        self.stop_words = frozenset(state["stop_words"].split("\n")) if state["stop_words"] else frozenset()

    def restricted(self, keep_lemmas: set[str]) -> "FrenchAnalyzer":
        """A copy that lemmatises the same way wherever the form or its lemma, accents removed, is
        kept (smaller artifact)."""
        lemmas = {form: lemma for form, lemma in self.lemmas.items()
                  if strip_accents(lemma) in keep_lemmas or strip_accents(form) in keep_lemmas}
        return FrenchAnalyzer(lemmas=lemmas, stop_words=self.stop_words)

