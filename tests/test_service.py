"""The HTTP service through a real HTTP client: every route and error path."""
import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings

from conftest import WATER

KEY = "cle-de-test-1234"


@pytest.fixture
def make_client(tmp_path, tiny_tagger):
    def _make(**settings):
        config = Settings(database_url=f"sqlite:///{tmp_path / 'registre.sqlite3'}", api_keys=KEY, **settings)
        return TestClient(create_app(config, tagger=tiny_tagger))
    return _make


@pytest.fixture
def client(make_client):
    with make_client() as client:
        yield client


def page_token(client):
    """What the staff page's script sends: the token of its page, as cookie and header."""
    page = client.get("/")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    return {"X-CSRF-Token": token}


def test_tag(client):
    response = client.post("/api/v1/tag", json={"text": WATER, "title": "Eau à Kayes"})
    data = response.json()
    assert response.status_code == 200
    assert data["sdg_main"] == 6 and data["sdgs"][0]["name"] == "Eau propre et assainissement"
    assert set(data["sdg_scores"]) == {str(g) for g in range(1, 18)} and data["model"]["version"]


def test_tag_batch_keeps_ids_and_order(client):
    items = [{"id": "b", "text": WATER}, {"id": 7, "text": "Reboisement contre la désertification"}, {"id": "c", "text": ""}]
    data = client.post("/api/v1/tag/batch", json={"items": items}).json()
    assert [r["id"] for r in data["results"]] == ["b", 7, "c"]
    assert data["results"][0]["sdg_main"] == 6
    assert data["results"][2]["warnings"] == ["texte vide : aucun score calculé"]


@pytest.mark.parametrize("ident", [False, None, 1.5, ["a"]])
def test_a_batch_id_is_text_or_an_integer(client, ident):
    response = client.post("/api/v1/tag/batch", json={"items": [{"id": ident, "text": WATER}]})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "items.0.id", "message": "un texte ou un entier est attendu",
                                          "type": "value_error"}]


def test_catalogue(client):
    goals = client.get("/api/v1/sdgs").json()["goals"]
    assert len(goals) == 17 and goals[5]["colour"] == "#26BDE2" and len(goals[5]["targets"]) == 8


@pytest.mark.parametrize("body, field", [({}, "text"), ({"text": ""}, "text"), ({"text": "   "}, "text"),
                                         ({"text": 12}, "text"), ({"text": "x", "autre": 1}, "autre")])
def test_bad_tag_bodies_get_422_naming_the_field(client, body, field):
    response = client.post("/api/v1/tag", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_invalid_json_gets_422(client):
    response = client.post("/api/v1/tag", content=b'{"text": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "JSON invalide" in json.dumps(response.json(), ensure_ascii=False)


def test_too_long_text_gets_422(make_client):
    with make_client(max_text_chars=100) as client:
        response = client.post("/api/v1/tag", json={"text": "eau " * 100})
    assert response.status_code == 422 and "trop long" in response.json()["detail"][0]["message"]


def test_five_megabyte_body_gets_413_and_the_service_keeps_serving(client):
    response = client.post("/api/v1/tag", content=b'{"text": "' + b"a" * 5_000_000 + b'"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "trop volumineuse" in response.json()["detail"]
    assert client.post("/api/v1/tag", json={"text": WATER}).status_code == 200


def test_streamed_body_over_the_limit_gets_413(make_client):
    def chunks():
        for _ in range(10):
            yield b"x" * 1000
    with make_client(max_body_bytes=5000) as client:
        response = client.post("/api/v1/tag", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_huge_batch_gets_413(client):
    items = [{"id": str(i), "text": "eau"} for i in range(10_000)]
    response = client.post("/api/v1/tag/batch", json={"items": items})
    assert response.status_code == 413


def test_batch_over_the_item_limit_gets_413(make_client):
    with make_client(max_batch_items=3) as client:
        response = client.post("/api/v1/tag/batch", json={"items": [{"id": str(i), "text": "eau"} for i in range(4)]})
    assert response.status_code == 413 and "3 textes au plus" in response.json()["detail"]


def test_unknown_route_and_method(client):
    assert client.get("/api/v1/nulle-part").status_code == 404
    assert client.get("/api/v1/tag").status_code == 405


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "prêt"


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/tag", "/api/v1/tag/batch", "/api/v1/sdgs", "/api/v1/projects"} <= set(paths)


def test_writes_need_a_key(client):
    body = {"title": "Eau à Kayes", "description": WATER}
    assert client.post("/api/v1/projects", json=body).status_code == 401
    assert client.post("/api/v1/projects", json=body, headers={"X-API-Key": "mauvaise"}).status_code == 403
    assert client.patch("/api/v1/projects/1", json={"sdgs": [6]}).status_code == 401


def test_register_round_trip(client):
    headers = {"X-API-Key": KEY}
    saved = client.post("/api/v1/projects", headers=headers, json={
        "title": "Eau à Kayes", "description": WATER, "actor": "Commune de Lannion", "country": "Mali", "year": 2024}).json()
    assert saved["model_sdgs"][0] == 6 and not saved["validated"] and saved["sdgs"] == saved["model_sdgs"]
    patched = client.patch(f"/api/v1/projects/{saved['id']}", headers=headers, json={"sdgs": [6, 5], "validated_by": "Awa"})
    assert patched.json()["validated_sdgs"] == [6, 5] and patched.json()["validated_by"] == "Awa"
    assert client.get(f"/api/v1/projects/{saved['id']}").json()["validated_at"]
    assert client.get("/api/v1/projects", params={"goal": 5}).json()["total"] == 1
    assert client.get("/api/v1/projects", params={"goal": 15}).json()["total"] == 0
    assert client.get("/api/v1/projects", params={"validated": "false"}).json()["total"] == 0
    assert client.get("/api/v1/projects", params={"q": "lannion"}).json()["total"] == 1
    assert client.get("/api/v1/projects/999").status_code == 404


def test_project_with_bad_goals_gets_422(client):
    response = client.post("/api/v1/projects", headers={"X-API-Key": KEY},
                           json={"title": "x", "description": WATER, "sdgs": [6, 18]})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "sdgs"


def test_csv_export_opens_in_french_excel(client):
    client.post("/api/v1/projects", headers={"X-API-Key": KEY},
                json={"title": "Eau ; à Kayes", "description": WATER, "sdgs": [6, 3]})
    response = client.get("/api/v1/projects.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffid;titre;")
    assert '"Eau ; à Kayes"' in text and '"6;3"' in text


def test_reads_can_require_a_key(make_client):
    with make_client(require_key_for_reads=True) as client:
        assert client.post("/api/v1/tag", json={"text": WATER}).status_code == 401
        assert client.post("/api/v1/tag", json={"text": WATER}, headers={"X-API-Key": KEY}).status_code == 200
        assert client.get("/api/v1/sdgs").status_code == 401
        assert client.get("/healthz").status_code == 200


def test_the_page_writes_without_a_key_but_only_with_its_token(client):
    body = {"title": "Eau à Kayes", "description": WATER, "sdgs": [6]}
    headers = page_token(client)
    assert client.post("/api/v1/projects", json=body, headers=headers).status_code == 201
    assert client.post("/api/v1/projects", json=body, headers={"X-CSRF-Token": "devine"}).status_code == 401
    foreign = {**headers, "Origin": "https://ailleurs.example"}
    assert client.post("/api/v1/projects", json=body, headers=foreign).status_code == 401


def test_pages_render_in_french_with_local_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "Eau propre et assainissement" in page.text and "#26BDE2" in page.text
    assert "http" not in page.text.replace("http://testserver", "")
    assert client.get("/static/app.js").status_code == 200
    assert "Registre des projets" in client.get("/registre").text


def test_pages_can_be_switched_off(make_client):
    with make_client(pages=False) as client:
        assert client.get("/").status_code == 404
        assert client.post("/api/v1/projects", json={"title": "x", "description": WATER},
                           headers={"X-CSRF-Token": "x"}).status_code == 401


def test_cors_allowlist(make_client):
    with make_client(cors_origins="https://portail.example") as client:
        allowed = client.options("/api/v1/tag", headers={"Origin": "https://portail.example",
                                                          "Access-Control-Request-Method": "POST"})
        refused = client.options("/api/v1/tag", headers={"Origin": "https://autre.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert allowed.headers.get("access-control-allow-origin") == "https://portail.example"
    assert "access-control-allow-origin" not in refused.headers


def test_saved_project_survives_a_restart(make_client):
    with make_client() as client:
        saved = client.post("/api/v1/projects", headers={"X-API-Key": KEY},
                            json={"title": "Eau", "description": WATER}).json()
    with make_client() as client:
        assert client.get(f"/api/v1/projects/{saved['id']}").json()["title"] == "Eau"


def test_register_migrations_run_once(tmp_path):
    from service.register import MIGRATIONS, Register
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    Register(url)
    assert Register(url).migrate() == len(MIGRATIONS)


def test_recommend_for_a_text(client):
    data = client.post("/api/v1/recommend", json={"text": WATER}).json()
    assert data["sdgs"][0]["goal"] == 6
    assert data["links"] and "from" in data["links"][0] and data["links"][0]["question"].endswith("?")
    assert all(0.0 <= link["raised_for_similar"] <= 1.0 for link in data["links"])
    assert {"targets", "similar", "funding", "warnings"} <= set(data)


def test_recommend_for_goals_and_bad_bodies(client):
    assert client.post("/api/v1/recommend", json={"sdgs": [6, 3]}).status_code == 200
    for body in ({}, {"text": WATER, "sdgs": [6]}, {"sdgs": []}, {"sdgs": [0]}, {"text": ""}):
        response = client.post("/api/v1/recommend", json=body)
        assert response.status_code == 422, body


def test_recommend_graph_is_svg(client):
    response = client.post("/api/v1/recommend/graph.svg", json={"text": WATER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text


def test_goal_links_authored_and_observed(client):
    data = client.get("/api/v1/sdgs/6/links").json()
    assert data["name"] == "Eau propre et assainissement"
    assert any(l["goal"] == 3 for l in data["authored"])
    assert all({"count", "lift", "pmi"} <= set(o) for o in data["observed"])
    assert client.get("/api/v1/sdgs/18/links").status_code == 404


def test_patch_cannot_empty_required_fields(client):
    headers = {"X-API-Key": KEY}
    saved = client.post("/api/v1/projects", headers=headers, json={"title": "Eau", "description": WATER}).json()
    for field in ("title", "description", "sdgs"):
        response = client.patch(f"/api/v1/projects/{saved['id']}", headers=headers, json={field: None})
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == field
    assert client.patch(f"/api/v1/projects/{saved['id']}", headers=headers, json={"year": None}).status_code == 200


@pytest.mark.parametrize("method", ["get", "patch"])
def test_a_project_id_beyond_64_bits_is_refused_not_a_server_error(client, method):
    kwargs = {"json": {"title": "x"}, "headers": {"X-API-Key": KEY}} if method == "patch" else {}
    response = getattr(client, method)("/api/v1/projects/52742541969290543104", **kwargs)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "path.project_id"


def test_openapi_documents_the_french_error_bodies(client):
    schema = client.get("/openapi.json").json()
    problem = schema["components"]["schemas"]["ValidationError"]
    assert set(problem["properties"]) == {"field", "message", "type"}
    responses = schema["paths"]["/api/v1/projects/{project_id}"]["get"]["responses"]
    assert {"404", "422", "401", "413"} <= set(responses)
    assert schema["components"]["schemas"]["RecommendIn"]["oneOf"]
