"""The FastAPI application: start-up, security, limits, error shapes; routes live in api.py and pages.py."""
from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sdgtagger import Tagger
from sdgtagger.messages import french
from sdgtagger.recommend import Recommender

from .register import Register
from .settings import Settings, get_settings

HERE = Path(__file__).resolve().parent
CSRF_COOKIE = "sdgtagger_jeton"
CSRF_HEADER = "X-CSRF-Token"


def create_app(settings: Settings | None = None, tagger: Tagger | None = None) -> FastAPI:
    """The app; the model loads at start-up unless a tagger is given (tests swap it in)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.tagger = tagger or Tagger.load(settings.model_dir)
        app.state.register = Register(settings.database_url)
        app.state.recommender = Recommender(app.state.tagger, app.state.tagger.knowledge)
        refresh_recommender(app)
        yield
        app.state.register.engine.dispose()

    app = FastAPI(title="sdgtagger", version="1",
                  description="Étiquetage ODD de textes de projets en français, registre des projets, "
                              "recommandations transversales.",
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.tagger = None
    if settings.origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["*"],
                           allow_headers=["*"])
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_exception_handler(RequestValidationError, _invalid_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    from . import api, pages
    app.include_router(api.router)
    app.include_router(pages.router)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict:
    """The OpenAPI schema, with our 422 body ({"detail": [{"field", "message", "type"}]}) in place
    of FastAPI's default one, which the error handler below does not send."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        from .api import Problem

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "HTTPValidationError" in schemas:   # the names every route's 422 already refers to
            schemas["ValidationError"] = Problem.model_json_schema()
            schemas["HTTPValidationError"] = {
                "title": "Invalid", "description": "422 : les champs de la requête en cause", "type": "object",
                "required": ["detail"],
                "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}}}
        app.openapi_schema = schema
    return app.openapi_schema


# -- dependencies ------------------------------------------------------------------------------
def get_tagger(request: Request) -> Tagger:
    tagger = request.app.state.tagger
    if tagger is None:
        raise HTTPException(503, "le modèle n'est pas encore chargé")
    return tagger


def get_register(request: Request) -> Register:
    return request.app.state.register


def get_recommender(request: Request) -> Recommender:
    get_tagger(request)
    return request.app.state.recommender


def refresh_recommender(app) -> None:
    """The register's projects become similar-project candidates and co-occurrence data."""
    app.state.recommender.set_register(app.state.register.search(limit=10**9)[0])


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def _valid_key(request: Request, settings: Settings) -> bool | None:
    """True for a good key, False for a wrong one, None when no key was sent."""
    key = request.headers.get("X-API-Key")
    if key is None:
        return None
    return any(secrets.compare_digest(key, good) for good in settings.keys)


def _same_origin_page(request: Request, settings: Settings) -> bool:
    """The staff page's own request: same origin and the page's token (cookie = header)."""
    if not settings.pages:
        return False
    cookie, header = request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER)
    if not cookie or not header or not secrets.compare_digest(cookie, header):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("Host")


def require_read(request: Request, settings: Settings = Depends(app_settings)) -> None:
    """Reads are open unless SDGTAGGER_REQUIRE_KEY_FOR_READS=true (the staff page still reads)."""
    if settings.require_key_for_reads and not _same_origin_page(request, settings):
        _require_key(request, settings)


def require_write(request: Request, settings: Settings = Depends(app_settings)) -> str:
    """Writes need a key in X-API-Key, or come from the staff page itself. Returns who writes."""
    if _same_origin_page(request, settings):
        return "page du personnel"
    return _require_key(request, settings)


def _require_key(request: Request, settings: Settings) -> str:
    valid = _valid_key(request, settings)
    if valid is None:
        raise HTTPException(401, "clé API manquante : envoyez-la dans l'en-tête X-API-Key",
                            headers={"WWW-Authenticate": "X-API-Key"})
    if not valid:
        raise HTTPException(403, "clé API refusée")
    return "clé API …" + request.headers["X-API-Key"][-4:]


# -- limits and error shapes -------------------------------------------------------------------
class BodyLimit:
    """ASGI middleware: 413 for a body over the limit, declared or streamed."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await _too_large(self.limit)(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, f"requête trop volumineuse : {self.limit} octets au plus")
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"requête trop volumineuse : {limit} octets au plus"}, status_code=413)


async def _invalid_body(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "corps"
        problems.append({"field": where, "message": french(item), "type": item.get("type")})
    return JSONResponse({"detail": problems}, status_code=422)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    detail = error.detail
    if error.status_code == 404 and detail == "Not Found":
        detail = "adresse inconnue"
    elif error.status_code == 405:
        detail = "méthode non autorisée pour cette adresse"
    return JSONResponse({"detail": detail}, status_code=error.status_code, headers=getattr(error, "headers", None))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    import logging
    logging.getLogger("sdgtagger").exception("erreur inattendue sur %s", request.url.path)
    return JSONResponse({"detail": "erreur interne du service ; elle a été journalisée"}, status_code=500)
