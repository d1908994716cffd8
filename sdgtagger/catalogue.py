"""The 17 goals and 169 targets: French names, official colours, descriptions in our own words."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Target:
    target: str        # as the UN numbers it: "6.1", "6.b"
    goal: int
    description: str
    keywords: tuple[str, ...] = ()   # words a project serving this target typically uses


@dataclass(frozen=True)
class Goal:
    goal: int
    name: str
    colour: str
    summary: str
    keywords: tuple[str, ...]
    targets: tuple[Target, ...]

    def to_dict(self) -> dict:
        return {"goal": self.goal, "name": self.name, "colour": self.colour, "summary": self.summary,
                "targets": [{"target": t.target, "description": t.description} for t in self.targets]}


@lru_cache(maxsize=1)
def goals() -> tuple[Goal, ...]:
    """The catalogue, read once from the package data."""
    text = resources.files("sdgtagger").joinpath("data/catalogue.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)
    result = []
    for item in data["goals"]:
        number = int(item["goal"])
        targets = tuple(Target(str(t["target"]), number, t["description"].strip(), tuple(t.get("keywords", ())))
                        for t in item["targets"])
        result.append(Goal(number, item["name"], item["colour"], item["summary"].strip(),
                           tuple(item.get("keywords", ())), targets))
    result.sort(key=lambda g: g.goal)
    if [g.goal for g in result] != list(range(1, 18)):
        raise ValueError("catalogue.yaml doit décrire les objectifs 1 à 17, chacun une fois")
    return tuple(result)


def goal(number: int) -> Goal:
    if not 1 <= number <= 17:
        raise ValueError(f"objectif inconnu : {number} (les ODD vont de 1 à 17)")
    return goals()[number - 1]


def name(number: int) -> str:
    return goal(number).name


def colour(number: int) -> str:
    return goal(number).colour


def targets() -> tuple[Target, ...]:
    return tuple(t for g in goals() for t in g.targets)
