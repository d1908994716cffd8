"""Every setting in one typed place, read from SDGTAGGER_* environment variables."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_database_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("sdgtagger", appauthor=False))
    return f"sqlite:///{folder / 'registre.sqlite3'}"


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SDGTAGGER_")

    api_keys: str = Field("", description="clés acceptées dans X-API-Key, séparées par des virgules")
    require_key_for_reads: bool = Field(False, description="exiger une clé pour toutes les routes")
    database_url: str = Field(default_factory=_default_database_url, description="le registre des projets")
    model_dir: str | None = Field(None, description="dossier du modèle à charger")
    cors_origins: str = Field("", description="origines autorisées (CORS), séparées par des virgules")
    max_body_bytes: int = Field(1_000_000, description="taille maximale d'une requête (octets)")
    max_text_chars: int = Field(50_000, description="longueur maximale d'un texte (caractères)")
    max_batch_items: int = Field(1_000, description="nombre maximal de textes par lot")
    pages: bool = Field(True, description="sert les pages du personnel, qui lisent et enregistrent sans clé (même origine)")

    @property
    def keys(self) -> set[str]:
        return set(_split(self.api_keys))

    @property
    def origins(self) -> list[str]:
        return _split(self.cors_origins)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
