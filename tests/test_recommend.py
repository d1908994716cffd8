"""Recommendations: the knowledge files, the recommender, its faces (CLI, API, picture)."""
import json

import numpy as np
import pytest

from sdgtagger.recommend import KnowledgeError, Recommender, read_levers, read_links

from conftest import ROOT, WATER

KNOWLEDGE = ROOT / "training_data" / "knowledge"


@pytest.fixture(scope="module")
def links():
    return read_links(KNOWLEDGE / "links.yaml")


def test_links_file_validates_and_covers_every_goal(links):
    assert len(links) >= 80
    sources = {l.source for l in links}
    targets = {l.target for l in links}
    assert sources == targets == set(range(1, 18))
    assert all(l.source != l.target and -3 <= l.strength <= 3 and l.strength != 0 for l in links)
    assert all((l.kind == "synergie") == (l.strength > 0) for l in links)


def test_field_trade_offs_are_there(links):
    trade_offs = {(l.source, l.target) for l in links if l.kind == "arbitrage"}
    for pair in [(2, 6), (7, 15), (9, 15), (8, 13)]:
        assert pair in trade_offs, pair
    assert any(l.source == 8 and l.target in (14, 15) for l in links if l.kind == "arbitrage"), "tourism vs ecosystems"


@pytest.mark.parametrize("bad, message", [
    ({"from": 3, "to": 3, "kind": "synergie", "strength": 2}, "lui-même"),
    ({"from": 3, "to": 4, "kind": "synergie", "strength": -2}, "synergie a une force > 0"),
    ({"from": 3, "to": 4, "kind": "synergie", "strength": 5}, "strength : valeur trop grande : 3 au plus"),
])
def test_bad_links_are_refused_with_their_number(tmp_path, bad, message):
    item = {"why": "Une raison suffisamment longue pour passer.", "question": "Le projet fait-il ceci ?", **bad}
    path = tmp_path / "links.yaml"
    path.write_text(json.dumps({"links": [item]}), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        read_links(path)


def test_funding_levers_include_the_one_percent_laws():
    levers = read_levers(KNOWLEDGE / "funding.yaml")
    names = " ".join(l.name for l in levers)
    assert len(levers) >= 15
    for word in ("Oudin-Santini", "Pintat", "déchets", "mobilités"):
        assert word in names


@pytest.fixture(scope="module")
def recommender(tiny_tagger):
    return Recommender(tiny_tagger, tiny_tagger.knowledge)


def test_recommendation_for_a_text_follows_the_contract(recommender):
    result = recommender.recommend(WATER).to_dict()
    assert result["links"] and result["funding"]
    link = result["links"][0]
    assert {"goal", "name", "kind", "strength", "from", "score", "why", "question"} <= set(link)
    assert link["goal"] != 6 and 6 in link["from"]
    assert [l["score"] for l in result["links"]] == sorted((l["score"] for l in result["links"]), reverse=True)
    assert all(t["goal"] in range(1, 18) and t["target"].startswith(f"{t['goal']}.") for t in result["targets"])


def test_recommendation_for_goals(recommender):
    result = recommender.recommend(goals=[2, 6])
    assert result.main == 2
    assert any(l["kind"] == "arbitrage" and l["goal"] == 6 for l in result.links) or result.warnings


def test_similar_projects_come_with_reasons(recommender):
    similar = recommender.recommend(WATER).similar
    assert similar and all(p["why"].startswith("termes communs") for p in similar)


def test_register_projects_are_offered_as_similar(recommender):
    recommender.set_register([{"id": 42, "title": "Forages et latrines à Kayes", "sdgs": [6, 3],
                               "description": "Réhabilitation des forages, latrines et comités de gestion de l'eau."}])
    try:
        similar = recommender.recommend(WATER).similar
        assert any(p["source"] == "registre" and p["id"] == "42" for p in similar)
    finally:
        recommender.set_register([])


def test_graph_is_svg_in_official_colours(recommender):
    from sdgtagger.graph import goal_network_svg
    svg = goal_network_svg(recommender.recommend(WATER))
    assert svg.startswith("<svg") and "#26BDE2" in svg and "synergie" in svg


def test_observed_links_count_the_register_too(tiny_tagger):
    knowledge = tiny_tagger.knowledge
    before = {r["goal"]: r["count"] for r in knowledge.observed(6)}
    after = {r["goal"]: r["count"] for r in knowledge.observed(6, [(6, 3), (6, 3)])}
    assert after[3] == before.get(3, 0) + 2


def test_empty_text_gets_no_recommendation_but_a_reason(recommender):
    result = recommender.recommend("")
    assert result.links == [] and result.warnings == ["aucun objectif identifié : pas de recommandation"]


def test_neighbour_votes_weigh_the_k_most_similar():
    from sdgtagger.recommend import goal_matrix, neighbour_votes
    labels = goal_matrix([[3], [3, 5], [13], [1]])
    votes = neighbour_votes(np.array([0.6, 0.2, 0.2, 0.0]), labels, k=3)
    assert votes[2] == pytest.approx(0.8) and votes[4] == pytest.approx(0.2) and votes[12] == pytest.approx(0.2)
    assert votes[0] == 0.0   # the fourth project is beyond k
    assert not neighbour_votes(np.zeros(4), labels, k=3).any()
    assert not neighbour_votes(np.zeros(0), None, k=3).any()


def test_label_similarity_is_jaccard_on_goals():
    from sdgtagger.recommend import goal_matrix, label_similarity
    similarity = label_similarity([6, 3], goal_matrix([[6, 3], [6], [2, 15]]))
    assert similarity.tolist() == pytest.approx([1.0, 0.5, 0.0])


LINK_EXAMPLES = [
    {"text": "Forages, latrines et comité de gestion de l'eau dans trois villages du Sahel.", "sdgs": [6],
     "expected": [3, 5]},
    {"text": "Forages et bornes-fontaines pour les hameaux, comité de l'eau et latrines.", "sdgs": [6],
     "expected": [4, 13]},
    {"text": "Maraîchage des femmes et cantine scolaire au village.", "sdgs": [2], "expected": [1, 4]},
]


def test_a_link_example_does_not_vote_for_itself_when_the_ranker_learns(tiny_tagger):
    from sdgtagger.recommend import ranker_examples, with_link_examples
    knowledge = with_link_examples(tiny_tagger.knowledge, tiny_tagger, LINK_EXAMPLES)
    features, labels = ranker_examples(knowledge, tiny_tagger, LINK_EXAMPLES)
    first = features[:16]                 # the first example's 16 candidate goals, main excluded
    main = tiny_tagger.tag([LINK_EXAMPLES[0]["text"]], evidence=False)[0].main
    goals = [g for g in range(1, 18) if g != main]
    votes = dict(zip(goals, first[:, -1]))
    assert votes[4] > 0 and votes[13] > 0        # its neighbour's links
    assert votes[3] == 0 and votes[5] == 0       # not its own
    assert labels[:16].sum() == 2


def test_links_advisers_raised_for_similar_projects_come_first(tiny_tagger):
    from sdgtagger.recommend import with_link_examples
    knowledge = with_link_examples(tiny_tagger.knowledge, tiny_tagger, LINK_EXAMPLES)
    links = Recommender(tiny_tagger, knowledge).recommend(LINK_EXAMPLES[0]["text"]).links
    raised = {l["goal"]: l["raised_for_similar"] for l in links}
    assert raised.get(3, 0) > 0 and raised.get(5, 0) > 0
    assert all(0.0 <= share <= 1.0 for share in raised.values())


def test_recommendation_for_goals_uses_the_examples_with_those_goals(tiny_tagger):
    from sdgtagger.recommend import with_link_examples
    knowledge = with_link_examples(tiny_tagger.knowledge, tiny_tagger, LINK_EXAMPLES)
    links = Recommender(tiny_tagger, knowledge).recommend(goals=[2]).links
    raised = {l["goal"]: l["raised_for_similar"] for l in links}
    assert raised.get(1) == pytest.approx(1.0) or raised.get(4) == pytest.approx(1.0)


def test_projects_given_by_their_goals_have_their_own_ranker(tiny_tagger):
    from sdgtagger.recommend import goals_ranker_examples, with_link_examples
    knowledge = with_link_examples(tiny_tagger.knowledge, tiny_tagger, LINK_EXAMPLES)
    assert knowledge.goals_ranker is not None and knowledge.goals_ranker.shape == knowledge.ranker.shape
    assert not np.allclose(knowledge.goals_ranker, knowledge.ranker)
    features, labels = goals_ranker_examples(knowledge, LINK_EXAMPLES)
    votes = dict(zip([g for g in range(1, 18) if g != 6], features[:16, -1]))   # the first example, main 6
    assert votes[4] > 0 and votes[13] > 0 and votes[3] == 0 and votes[5] == 0   # its neighbour's, not its own
    assert labels[:16].sum() == 2


@pytest.mark.parametrize("place, in_france", [
    ("France", True), ("France (Mayotte)", True), ("Occitanie", True), ("Seine-Saint-Denis, Île-de-France", True),
    ("Mali", False), ("Togo, Bénin", False), ("International", None), ("Burkina Faso, Bénin, France", None),
    ("", None), (None, None)])
def test_where_a_place_is(place, in_france):
    from sdgtagger.recommend import place_in_france
    assert place_in_france(place) is in_france


def test_every_lever_says_where_it_funds():
    levers = {l.name: l for l in read_levers(KNOWLEDGE / "funding.yaml")}
    assert {l.scope for l in levers.values()} == {"international", "france", "tous"}
    assert levers["1 % eau et assainissement (loi Oudin-Santini)"].scope == "international"
    assert next(l for n, l in levers.items() if n.startswith("ANCT")).scope == "france"
