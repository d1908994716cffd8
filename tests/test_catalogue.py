"""The catalogue of goals and targets."""
import re

from sdgtagger import catalogue

COLOURS = {1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
           7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
           13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A"}


def test_seventeen_goals_with_official_colours_and_french_names():
    goals = catalogue.goals()
    assert [g.goal for g in goals] == list(range(1, 18))
    assert {g.goal: g.colour for g in goals} == COLOURS
    assert catalogue.name(6) == "Eau propre et assainissement"
    assert all(len(g.summary) > 100 and len(g.keywords) >= 20 for g in goals)


def test_169_targets_numbered_as_the_un_does():
    targets = catalogue.targets()
    assert len(targets) == 169
    assert len({t.target for t in targets}) == 169
    for t in targets:
        assert re.fullmatch(rf"{t.goal}\.(\d+|[a-d])", t.target), t.target
        assert len(t.description) > 30
    assert {t.target for t in catalogue.goal(17).targets} == {f"17.{i}" for i in range(1, 20)}


def test_unknown_goal_is_refused_in_french():
    import pytest
    with pytest.raises(ValueError, match="objectif inconnu"):
        catalogue.goal(18)
