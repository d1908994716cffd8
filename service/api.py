"""JSON routes under /api/v1: thin wrappers over the sdgtagger library and the register."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sdgtagger import Tagger, catalogue

from sdgtagger.graph import goal_network_svg
from sdgtagger.recommend import Recommender

from .app import (app_settings, get_recommender, get_register, get_tagger, refresh_recommender, require_read,
                  require_write)
from .register import NotFound, Register
from .settings import Settings

class Problem(BaseModel):
    """One thing wrong with a request: the field (dotted path, or « corps ») and why, in French."""
    field: str
    message: str
    type: str | None = None


class Error(BaseModel):
    """Any other error: what is wrong, in French."""
    detail: str


COMMON_ERRORS = {
    400: {"model": Error, "description": "corps illisible (JSON ou UTF-8 invalide)"},
    401: {"model": Error, "description": "clé API absente (écritures ; lectures si SDGTAGGER_REQUIRE_KEY_FOR_READS)"},
    403: {"model": Error, "description": "clé API refusée"},
    413: {"model": Error, "description": "corps de requête trop gros, ou lot trop grand"},
    503: {"model": Error, "description": "le modèle n'est pas encore chargé"},
}
NOT_FOUND = {404: {"model": Error, "description": "inconnu"}}
# Goals as the schema says them (the validators give the French messages).
GOALS_SCHEMA = {"minItems": 1, "uniqueItems": True, "items": {"type": "integer", "minimum": 1, "maximum": 17}}
# A register id: SQLite integers are 64-bit, a larger number is refused (422) instead of failing (500).
ProjectId = Path(ge=1, le=2**63 - 1, description="identifiant du projet dans le registre")

router = APIRouter()
v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(require_read)], responses=COMMON_ERRORS)


# -- bodies and answers ------------------------------------------------------------------------
class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="le texte du projet, en français", json_schema_extra={"minLength": 1})
    title: str | None = Field(None, description="son titre, joint au texte")


class BatchItem(TagIn):
    id: str | int = Field(description="identifiant renvoyé tel quel (texte ou entier)")

    @field_validator("id", mode="before")
    @classmethod
    def _text_or_integer(cls, value):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError("un texte ou un entier est attendu")
        return value


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[BatchItem] = Field(min_length=1)


class EvidenceOut(BaseModel):
    term: str
    lemma: str
    weight: float
    start: int
    end: int
    sentence: str


class GoalTag(BaseModel):
    goal: int
    name: str
    score: float
    evidence: list[EvidenceOut]


class ModelInfo(BaseModel):
    version: str


class TagOut(BaseModel):
    sdgs: list[GoalTag]
    sdg_scores: dict[str, float]
    sdg_main: int | None
    warnings: list[str]
    model: ModelInfo


class BatchResult(TagOut):
    id: str | int


class BatchOut(BaseModel):
    results: list[BatchResult]


def _goals(value):
    if value is None:
        return value
    if len(set(value)) != len(value) or not all(1 <= g <= 17 for g in value):
        raise ValueError("objectifs distincts de 1 à 17 attendus, le principal en premier")
    return value


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1)
    actor: str | None = Field(None, max_length=300)
    country: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=1950, le=2100)
    sdgs: list[int] | None = Field(None, description="objectifs validés, le principal en premier",
                                   json_schema_extra=GOALS_SCHEMA)
    validated_by: str | None = Field(None, max_length=200, description="qui valide (par défaut : la clé ou la page)")

    _check_goals = field_validator("sdgs")(classmethod(lambda cls, v: _goals(v)))


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, min_length=1)
    actor: str | None = Field(None, max_length=300)
    country: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=1950, le=2100)
    sdgs: list[int] | None = Field(None, json_schema_extra=GOALS_SCHEMA)
    validated_by: str | None = Field(None, max_length=200)

    _check_goals = field_validator("sdgs")(classmethod(lambda cls, v: _goals(v)))


class ProjectOut(BaseModel):
    id: int
    title: str
    description: str
    actor: str | None
    country: str | None
    year: int | None
    model_sdgs: list[int]
    model_scores: dict[str, float]
    model_version: str
    validated_sdgs: list[int] | None
    validated: bool
    validated_by: str | None
    validated_at: str | None
    sdgs: list[int]
    created_at: str
    updated_at: str


class RecommendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "oneOf": [{"required": ["text"]}, {"required": ["sdgs"]}],
        "description": "soit « text », soit « sdgs » (pas les deux)"})
    text: str | None = Field(None, description="le texte du projet")
    sdgs: list[int] | None = Field(None, description="ou bien ses objectifs, le principal en premier",
                                   json_schema_extra=GOALS_SCHEMA)

    _check_goals = field_validator("sdgs")(classmethod(lambda cls, v: _goals(v)))

    @model_validator(mode="after")
    def _one_of(self):
        if (self.text is None) == (self.sdgs is None):
            raise ValueError("donnez soit « text », soit « sdgs »")
        if self.sdgs is not None and not self.sdgs:
            raise ValueError("« sdgs » ne peut pas être vide")
        return self


class LinkOut(BaseModel):
    goal: int
    name: str
    kind: str
    strength: int
    from_: list[int] = Field(alias="from", serialization_alias="from")
    score: float
    why: str
    question: str
    tagged: bool
    observed_lift: float | None
    raised_for_similar: float = Field(description="part des projets annotés les plus proches pour lesquels "
                                                  "des conseillers ont soulevé cet ODD (0 à 1)")

    model_config = ConfigDict(populate_by_name=True)


class TargetOut(BaseModel):
    target: str
    goal: int
    description: str
    score: float
    evidence: list[str]


class SimilarOut(BaseModel):
    id: str
    title: str
    sdgs: list[int]
    score: float
    why: str
    source: str


class LeverOut(BaseModel):
    name: str
    goals: list[int]
    conditions: str
    actors: list[str]
    scope: str = Field(description="international (actions hors de France), france ou tous")
    score: float
    evidence: list[str] = Field(description="mots du texte partagés avec la description du levier")


class RecommendOut(BaseModel):
    sdgs: list[GoalTag] | None = None
    links: list[LinkOut]
    targets: list[TargetOut]
    similar: list[SimilarOut]
    funding: list[LeverOut]
    warnings: list[str]


class ProjectList(BaseModel):
    items: list[ProjectOut]
    total: int
    limit: int
    offset: int


# -- helpers shared by the routes and the page -------------------------------------------------
def check_text(text: str, settings: Settings, field: str = "text") -> None:
    if not text.strip():
        raise HTTPException(422, [{"field": field, "message": "texte vide", "type": "string_too_short"}])
    if len(text) > settings.max_text_chars:
        raise HTTPException(422, [{"field": field, "type": "string_too_long",
                                   "message": f"texte trop long : {settings.max_text_chars} caractères au plus"}])


def joined(text: str, title: str | None) -> str:
    return f"{title.strip()}\n{text}" if title and title.strip() else text


def tag_texts(tagger: Tagger, texts: list[str]) -> list[dict]:
    return [t.to_dict(tagger.version) for t in tagger.tag(texts)]


# -- routes ------------------------------------------------------------------------------------
@v1.post("/tag", response_model=TagOut)
def tag(body: TagIn, tagger: Tagger = Depends(get_tagger), settings: Settings = Depends(app_settings)):
    """Tag one French text: scores, goals, main goal, evidence, warnings."""
    check_text(body.text, settings)
    return tag_texts(tagger, [joined(body.text, body.title)])[0]


@v1.post("/tag/batch", response_model=BatchOut)
def tag_batch(body: BatchIn, tagger: Tagger = Depends(get_tagger), settings: Settings = Depends(app_settings)):
    """Tag several texts at once; results in the order of the items."""
    if len(body.items) > settings.max_batch_items:
        raise HTTPException(413, f"lot trop grand : {settings.max_batch_items} textes au plus, {len(body.items)} reçus")
    for index, item in enumerate(body.items):
        if len(item.text) > settings.max_text_chars:
            check_text(item.text, settings, field=f"items.{index}.text")
    results = tag_texts(tagger, [joined(i.text, i.title) for i in body.items])
    return {"results": [{**r, "id": i.id} for i, r in zip(body.items, results)]}


@v1.get("/sdgs")
def sdgs():
    """The catalogue: the 17 goals with their French names, colours and targets."""
    return {"goals": [g.to_dict() for g in catalogue.goals()]}


@v1.get("/sdgs/{goal}/links", responses=NOT_FOUND)
def goal_links(goal: int, recommender: Recommender = Depends(get_recommender),
               register: Register = Depends(get_register)):
    """Links from a goal: authored (kind, strength, why, question) and observed (corpus and register)."""
    if not 1 <= goal <= 17:
        raise HTTPException(404, f"objectif inconnu : {goal} (les ODD vont de 1 à 17)")
    knowledge = recommender.knowledge
    label_sets = [p.sdgs for p in recommender.register]
    return {"goal": goal, "name": catalogue.name(goal), "authored": knowledge.authored(goal),
            "observed": knowledge.observed(goal, label_sets)}


def recommendation(body: RecommendIn, tagger: Tagger, recommender: Recommender, settings: Settings):
    if body.text is not None:
        check_text(body.text, settings)
        tagging = tagger.tag([body.text])[0]
        result = recommender.recommend(body.text, tagging=tagging)
        return result, {"sdgs": tagging.to_dict(tagger.version)["sdgs"], **result.to_dict()}
    result = recommender.recommend(goals=body.sdgs)
    return result, result.to_dict()


@v1.post("/recommend", response_model=RecommendOut, response_model_by_alias=True)
def recommend(body: RecommendIn, tagger: Tagger = Depends(get_tagger),
              recommender: Recommender = Depends(get_recommender), settings: Settings = Depends(app_settings)):
    """Cross-thematic links, targets, similar projects and funding levers for a text or for goals."""
    return recommendation(body, tagger, recommender, settings)[1]


@v1.post("/recommend/graph.svg", response_class=Response)
def recommend_graph(body: RecommendIn, tagger: Tagger = Depends(get_tagger),
                    recommender: Recommender = Depends(get_recommender), settings: Settings = Depends(app_settings)):
    """The project's goal network as an SVG picture (official colours, synergies and trade-offs)."""
    result, _ = recommendation(body, tagger, recommender, settings)
    return Response(goal_network_svg(result), media_type="image/svg+xml")


@v1.post("/projects", response_model=ProjectOut, status_code=201)
def create_project(body: ProjectIn, request: Request, who: str = Depends(require_write), tagger: Tagger = Depends(get_tagger),
                   register: Register = Depends(get_register), settings: Settings = Depends(app_settings)):
    """Save a project in the register, with the model's tags and the validated goals if given."""
    check_text(body.description, settings, field="description")
    tagging = tag_texts(tagger, [joined(body.description, body.title)])[0]
    project = register.add(body.title, body.description, tagging, tagger.version, body.actor, body.country,
                           body.year, body.sdgs, body.validated_by or who)
    refresh_recommender(request.app)
    return project


@v1.get("/projects", response_model=ProjectList)
def list_projects(goal: int | None = Query(None, ge=1, le=17), validated: bool | None = None,
                  q: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0), register: Register = Depends(get_register)):
    """The register, newest first, filtered by goal, validation status and free text."""
    items, total = register.search(goal, validated, q, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@v1.get("/projects.csv", response_class=Response,
        responses={200: {"content": {"text/csv": {}}, "description": "le registre en CSV"}})
def export_projects(goal: int | None = Query(None, ge=1, le=17), validated: bool | None = None,
                    q: str | None = Query(None, max_length=200), register: Register = Depends(get_register)):
    """The register as CSV for French Excel (';', UTF-8 with BOM)."""
    items, _ = register.search(goal, validated, q, limit=10**9)
    return Response(register.csv(items), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="registre-projets.csv"'})


@v1.get("/projects/{project_id}", response_model=ProjectOut, responses=NOT_FOUND)
def get_project(project_id: Annotated[int, ProjectId], register: Register = Depends(get_register)):
    """One saved project."""
    try:
        return register.get(project_id)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None


@v1.patch("/projects/{project_id}", response_model=ProjectOut, responses=NOT_FOUND)
def update_project(project_id: Annotated[int, ProjectId], body: ProjectPatch, request: Request, who: str = Depends(require_write),
                   register: Register = Depends(get_register)):
    """Correct a project or validate its goals (main goal first)."""
    changes = body.model_dump(exclude_unset=True)
    for field in ("sdgs", "title", "description"):  # these can be changed, not emptied
        if field in changes and changes[field] is None:
            raise HTTPException(422, [{"field": field, "message": "valeur obligatoire : null n'est pas accepté",
                                       "type": "missing"}])
    try:
        project = register.update(project_id, changes, changes.get("validated_by") or who)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    refresh_recommender(request.app)
    return project


router.include_router(v1)


@router.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    """Readiness: the model is loaded and the register reachable."""
    tagger = request.app.state.tagger
    if tagger is None:
        raise HTTPException(503, "le modèle n'est pas encore chargé")
    return {"status": "prêt", "model": {"version": tagger.version}}
