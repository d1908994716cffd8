"""The project register: saved projects, the model's tags and the staff-validated goals.

SQLAlchemy Core over SQLite by default (WAL journal), any SQLAlchemy URL otherwise. The schema
is versioned: MIGRATIONS run in order at start-up, each once, recorded in `schema_version`.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()
projects = sa.Table(
    "projects", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("model_scores", sa.Text, nullable=False),     # JSON {"1": float, ...}
    sa.Column("model_sdgs", sa.Text, nullable=False),       # JSON [int, ...], strongest first
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("validated_sdgs", sa.Text),                   # JSON [int, ...], main first; NULL = not validated
    sa.Column("validated_by", sa.Text),
    sa.Column("validated_at", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

# Each step brings the schema from version i to i + 1. Append, never edit a released step.
MIGRATIONS = [
    lambda conn: metadata.create_all(conn),
    lambda conn: conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_projects_validated ON projects (validated_at)")),
]


class NotFound(LookupError):
    pass


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Register:
    def __init__(self, url: str):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    def migrate(self) -> int:
        with self.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
            row = conn.execute(sa.text("SELECT version FROM schema_version")).first()
            version = row[0] if row else 0
            if row is None:
                conn.execute(sa.text("INSERT INTO schema_version VALUES (0)"))
            for step in MIGRATIONS[version:]:
                step(conn)
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": len(MIGRATIONS)})
        return len(MIGRATIONS)

    def add(self, title, description, tagging: dict, model_version: str, actor=None, country=None,
            year=None, validated_sdgs=None, validated_by=None) -> dict:
        now = _now()
        values = {"title": title, "description": description, "actor": actor, "country": country,
                  "year": year, "model_scores": json.dumps(tagging["sdg_scores"]),
                  "model_sdgs": json.dumps([g["goal"] for g in tagging["sdgs"]]),
                  "model_version": model_version, "created_at": now, "updated_at": now}
        if validated_sdgs is not None:
            values.update(validated_sdgs=json.dumps(validated_sdgs), validated_by=validated_by, validated_at=now)
        with self.engine.begin() as conn:
            new_id = conn.execute(projects.insert().values(**values)).inserted_primary_key[0]
        return self.get(new_id)

    def get(self, project_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(projects.select().where(projects.c.id == project_id)).mappings().first()
        if row is None:
            raise NotFound(f"projet {project_id} introuvable")
        return _as_dict(row)

    def update(self, project_id: int, changes: dict, validated_by=None) -> dict:
        self.get(project_id)
        values = {k: v for k, v in changes.items() if k in ("title", "description", "actor", "country", "year")}
        if "sdgs" in changes:
            values.update(validated_sdgs=json.dumps(changes["sdgs"]), validated_by=validated_by,
                          validated_at=_now())
        values["updated_at"] = _now()
        with self.engine.begin() as conn:
            conn.execute(projects.update().where(projects.c.id == project_id).values(**values))
        return self.get(project_id)

    def search(self, goal=None, validated=None, q=None, limit=50, offset=0) -> tuple[list[dict], int]:
        query = sa.select(projects)
        if validated is not None:
            query = query.where(projects.c.validated_at.isnot(None) if validated else projects.c.validated_at.is_(None))
        if q:
            pattern = f"%{q.lower()}%"
            query = query.where(sa.or_(*(sa.func.lower(c).like(pattern) for c in
                                         (projects.c.title, projects.c.description, projects.c.actor, projects.c.country))))
        with self.engine.connect() as conn:
            rows = [_as_dict(r) for r in conn.execute(query.order_by(projects.c.id.desc())).mappings()]
        if goal is not None:  # goals live in JSON columns: filter here, portable across databases
            rows = [r for r in rows if goal in (r["sdgs"])]
        return rows[offset:offset + limit], len(rows)

    def validated(self) -> list[dict]:
        """Validated projects, as training examples: text and goals (main first)."""
        return self.search(validated=True, limit=10**9)[0]

    def csv(self, rows: list[dict]) -> str:
        """CSV for French Excel: ';' separator, UTF-8 with BOM."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(["id", "titre", "description", "porteur", "pays", "annee", "odd_valides", "odd_modele",
                         "valide_par", "valide_le", "version_modele"])
        for r in rows:
            writer.writerow([r["id"], r["title"], r["description"], r["actor"] or "", r["country"] or "",
                             r["year"] or "", ";".join(map(str, r["validated_sdgs"] or [])),
                             ";".join(map(str, r["model_sdgs"])), r["validated_by"] or "",
                             r["validated_at"] or "", r["model_version"]])
        return buffer.getvalue()


def _as_dict(row) -> dict:
    data = dict(row)
    data["model_scores"] = json.loads(data["model_scores"])
    data["model_sdgs"] = json.loads(data["model_sdgs"])
    data["validated_sdgs"] = json.loads(data["validated_sdgs"]) if data["validated_sdgs"] else None
    data["validated"] = data["validated_sdgs"] is not None
    data["sdgs"] = data["validated_sdgs"] if data["validated"] else data["model_sdgs"]
    return data


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
