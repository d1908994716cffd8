"""French preprocessing: normalisation, tokens, sentences, lemmas, stop words, language."""
import pytest

from sdgtagger.text import guess_language, normalise, sentences, strip_accents, tokenize, words


def test_normalise_makes_apostrophes_plain_and_keeps_length():
    text = "l’eau et l'eau\u00a0: aujourd’hui"
    assert normalise(text) == "l'eau et l'eau : aujourd'hui"
    assert len(normalise(text)) == len(text)


def test_both_apostrophes_give_the_same_words():
    assert words(normalise("L’accès à l’eau")) == words(normalise("L'accès à l'eau")) == ["l", "accès", "à", "l", "eau"]


def test_tokens_carry_offsets_into_the_text():
    text = normalise("Forages à Bobo-Dioulasso (AEP).")
    tokens = tokenize(text)
    assert [t.form for t in tokens] == ["forages", "à", "bobo", "dioulasso", "aep"]
    assert all(text[t.start:t.end].lower() == t.form for t in tokens)


def test_accents_are_kept_for_display_and_stripped_for_matching():
    assert strip_accents("équité énergétique") == "equite energetique"
    assert tokenize("Équité")[0].form == "équité"


def test_sentences_split_on_punctuation_bullets_and_lines():
    text = "Contexte : sécheresse. Activités :\n- forages\n- latrines"
    assert [text[s:e] for s, e in sentences(text)] == ["Contexte : sécheresse.", "Activités :", "- forages", "- latrines"]


@pytest.mark.parametrize("text, language", [
    ("Le projet vise à améliorer l'accès à l'eau potable dans les villages.", "français"),
    ("The project improves access to safe drinking water for the villages of the region.", "anglais"),
    ("El proyecto mejora el acceso al agua potable de las comunidades y los hogares.", "espagnol"),
    ("Forages Kaya", None),
])
def test_language_guess(text, language):
    assert guess_language(words(text)) == language


def test_lookup_lemmas_from_spacy(analyzer):
    assert analyzer.lemma("forages") == "forage"
    assert analyzer.lemma("femmes") == "femme"
    assert analyzer.lemma("scolarisées") == "scolariser"
    assert "les" in analyzer.stop_words and "eau" not in analyzer.stop_words


def test_unaccented_forms_get_the_lemma_of_their_accented_form(analyzer):
    assert analyzer.lemma("activites") == "activité"
    assert analyzer.lemma("scolarisees") == "scolariser"
    assert analyzer.lemma("sécurité") == "sécurité"    # a form that is its own lemma is left alone


def test_content_words_agree_with_spacy_tokenizer(analyzer):
    """Our regex tokenizer keeps the same content words as spaCy's French tokenizer."""
    import spacy

    text = normalise("L’association Eau Vive a réhabilité 12 forages à Bobo-Dioulasso et formé "
                     "les comités d’usagers ; l'ONG appuie aussi l'état civil, aujourd'hui.")
    nlp = spacy.blank("fr")
    theirs = set()
    for token in nlp(text):
        theirs.update(words(token.text))
    ours = set(words(text))
    content = {w for w in ours | theirs if w not in analyzer.stop_words and not w.isdigit() and len(w) > 1}
    assert {w for w in content if w in ours} == {w for w in content if w in theirs}
