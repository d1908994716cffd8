"""The staff pages, in French: tag a project, correct its goals, save it; browse the register."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.templating import Jinja2Templates

from sdgtagger import catalogue

from .app import CSRF_COOKIE, HERE, app_settings, get_register
from .register import Register
from .settings import Settings

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")


def text_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on the goal's colour (WCAG contrast)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


templates.env.filters["text_colour"] = text_colour


def _page(request: Request, name: str, context: dict, settings: Settings):
    if not settings.pages:
        raise HTTPException(404, "pages du personnel désactivées (SDGTAGGER_PAGES=false)")
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, name, {
        "goals": catalogue.goals(), "token": token, **context})
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.get("/")
def tag_page(request: Request, settings: Settings = Depends(app_settings)):
    return _page(request, "tag.html", {"title": "Étiqueter un projet"}, settings)


@router.get("/registre")
def register_page(request: Request, goal: int | None = Query(None, ge=1, le=17), validated: str | None = None,
                  q: str | None = Query(None, max_length=200), page: int = Query(1, ge=1),
                  register: Register = Depends(get_register), settings: Settings = Depends(app_settings)):
    status = {"oui": True, "non": False}.get(validated or "")
    size = 50
    items, total = register.search(goal, status, q, size, (page - 1) * size)
    return _page(request, "register.html", {
        "title": "Registre des projets", "items": items, "total": total, "page": page,
        "pages": max(1, -(-total // size)), "filters": {"goal": goal, "validated": validated or "", "q": q or ""},
    }, settings)
