"""Recommendations: the knowledge files, the recommender, its faces (CLI, API, picture)."""
import json

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
