"""The project's goal network as a self-contained SVG: its goals, the suggested links, in official colours."""
from __future__ import annotations

import math
from html import escape

from . import catalogue

SIZE = 560
CENTRE = SIZE / 2


def _ink(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


def goal_network_svg(recommendation) -> str:
    """Main goal in the centre, the other tagged goals around it, suggested goals on the outer ring.
    Synergies are solid grey arrows, trade-offs dashed red arrows."""
    tagged = [g for g in sorted(recommendation.goals, key=lambda g: -recommendation.goals[g])]
    main = recommendation.main if recommendation.main is not None else (tagged[0] if tagged else None)
    inner = [g for g in tagged if g != main]
    outer = [link["goal"] for link in recommendation.links if link["goal"] not in recommendation.goals]
    position = {}
    if main is not None:
        position[main] = (CENTRE, CENTRE)
    for ring, goals, radius in ((0, inner, 120), (1, outer, 225)):
        for i, goal in enumerate(goals):
            angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(goals)) + ring * 0.3
            position[goal] = (CENTRE + radius * math.cos(angle), CENTRE + radius * math.sin(angle))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
             f'role="img" aria-labelledby="titre-graphe" font-family="sans-serif">',
             '<title id="titre-graphe">Réseau des objectifs du projet et liens suggérés</title>',
             '<defs><marker id="fleche" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
             '<marker id="fleche-rouge" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#C0392B"/></marker></defs>',
             f'<rect width="{SIZE}" height="{SIZE}" fill="#fff"/>']
    for link in recommendation.links:
        target = link["goal"]
        source = link["from"][0]
        if source not in position or target not in position:
            continue
        (x1, y1), (x2, y2) = position[source], position[target]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        shrink = 34 / length
        x1, y1 = x1 + (x2 - x1) * shrink, y1 + (y2 - y1) * shrink
        x2, y2 = x2 - (x2 - x1) * shrink, y2 - (y2 - y1) * shrink
        trade_off = link["kind"] == "arbitrage"
        stroke, marker = ("#C0392B", "fleche-rouge") if trade_off else ("#555", "fleche")
        dashes = 'stroke-dasharray="6 4" ' if trade_off else ""
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{stroke}" stroke-width="{1 + abs(link["strength"])}" {dashes}'
                     f'marker-end="url(#{marker})">'
                     f'<title>{escape(link["kind"])} {source} → {target} : {escape(link["why"])}</title></line>')
    for goal, (x, y) in position.items():
        colour = catalogue.colour(goal)
        suggested = goal not in recommendation.goals
        radius = 40 if goal == main else 30
        fill, ink = ("#fff", "#222") if suggested else (colour, _ink(colour))
        dashes = ' stroke-dasharray="5 3"' if suggested else ""
        parts.append(f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" '
                     f'stroke="{colour}" stroke-width="4"{dashes}/>'
                     f'<text x="{x:.1f}" y="{y + 7:.1f}" text-anchor="middle" font-size="22" font-weight="bold" '
                     f'fill="{ink}">{goal}</text>'
                     f'<title>ODD {goal} — {escape(catalogue.name(goal))}'
                     f'{" (suggéré)" if suggested else ""}</title></g>')
    parts.append('<g font-size="12" fill="#222"><line x1="16" y1="530" x2="46" y2="530" stroke="#555" stroke-width="3"/>'
                 '<text x="52" y="534">synergie</text>'
                 '<line x1="130" y1="530" x2="160" y2="530" stroke="#C0392B" stroke-width="3" stroke-dasharray="6 4"/>'
                 '<text x="166" y="534">arbitrage</text>'
                 '<circle cx="262" cy="530" r="8" fill="#fff" stroke="#555" stroke-width="2" stroke-dasharray="3 2"/>'
                 '<text x="276" y="534">objectif suggéré</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
