"""Tagger.tag: scores, tags, main goal, evidence, warnings."""
from conftest import WATER


def test_evidence_points_at_words_of_the_text(tiny_tagger):
    [tagging] = tiny_tagger.tag([WATER])
    evidence = tagging.evidence[6]
    assert evidence, "goal 6 should come with evidence"
    for item in evidence:
        assert WATER[item.start:item.end] == item.term
        assert item.term in item.sentence and item.weight > 0
    assert {"forages", "latrines", "eau"} & {e.term.lower() for e in evidence}


def test_batch_tagging_skips_evidence(tiny_tagger):
    [tagging] = tiny_tagger.tag([WATER], evidence=False)
    assert tagging.evidence == {} and tagging.main == 6


def test_tags_are_the_goals_above_their_threshold_strongest_first(tiny_tagger):
    import numpy as np

    [tagging] = tiny_tagger.tag([WATER])
    thresholds = tiny_tagger.model.thresholds_
    assert sorted(tagging.goals) == [g for g in range(1, 18) if tagging.scores[g] >= thresholds[g - 1]]
    assert [tagging.scores[g] for g in tagging.goals] == sorted((tagging.scores[g] for g in tagging.goals), reverse=True)
    assert tagging.main == tagging.goals[0] == max(tagging.scores, key=tagging.scores.get)
    _, [priority] = tiny_tagger.model.predict([WATER])
    assert tagging.main == max(tagging.goals, key=lambda g: priority[g - 1]), "the main goal has the top priority"
    assert np.argsort(-priority)[0] + 1 in tagging.goals


def test_a_text_below_every_threshold_still_gets_its_likeliest_goal(tiny_tagger):
    import copy

    import numpy as np
    from sdgtagger import Tagger

    model = copy.copy(tiny_tagger.model)
    model.thresholds_ = np.full(17, 1.01)  # no score can pass
    strict = Tagger(model, tiny_tagger.meta, tiny_tagger.knowledge)
    scores, [priority] = strict.model.predict([WATER])
    [tagging] = strict.tag([WATER])
    assert tagging.goals == [int(np.argmax(priority)) + 1] == [int(np.argmax(scores)) + 1] == [tagging.main]
    assert any("aucun objectif n'atteint son seuil" in w for w in tagging.warnings)


def test_empty_text_gets_a_warning_and_zero_scores(tiny_tagger):
    for text in ("", "   \n"):
        [tagging] = tiny_tagger.tag([text])
        assert tagging.goals == [] and tagging.main is None
        assert set(tagging.scores.values()) == {0.0}
        assert tagging.warnings == ["texte vide : aucun score calculé"]


def test_a_text_without_any_known_word_gets_no_goal_but_a_reason(tiny_tagger):
    from sdgtagger.tagger import NO_KNOWN_WORD
    taggings = tiny_tagger.tag(["12345 678", "N/A", "🌱🌱🌱", "forages"])
    for tagging in taggings[:3]:
        assert tagging.goals == [] and tagging.main is None
        assert set(tagging.scores.values()) == {0.0}
        assert NO_KNOWN_WORD in tagging.warnings
    assert taggings[3].goals and NO_KNOWN_WORD not in taggings[3].warnings   # one known word is enough


def test_short_and_foreign_texts_are_flagged(tiny_tagger):
    short, english, spanish = tiny_tagger.tag([
        "Forages",
        "The project builds wells and latrines for the schools of the district and trains the water committees.",
        "El proyecto construye pozos y letrinas para las escuelas del distrito y capacita a los comités.",
    ])
    assert any("trop court" in w for w in short.warnings)
    assert any("anglais" in w for w in english.warnings)
    assert any("espagnol" in w for w in spanish.warnings)


def test_french_text_has_no_warning(tiny_tagger):
    [tagging] = tiny_tagger.tag([WATER])
    assert tagging.warnings == []


def test_api_dict_follows_the_contract(tiny_tagger):
    [tagging] = tiny_tagger.tag([WATER])
    data = tagging.to_dict(tiny_tagger.version)
    assert set(data) == {"sdgs", "sdg_scores", "sdg_main", "warnings", "model"}
    assert set(data["sdg_scores"]) == {str(g) for g in range(1, 18)}
    assert data["sdgs"][0]["goal"] == data["sdg_main"] == 6
    assert data["sdgs"][0]["name"] == "Eau propre et assainissement"
    assert {"term", "weight", "start", "end", "sentence"} <= set(data["sdgs"][0]["evidence"][0])
