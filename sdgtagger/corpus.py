"""The training corpus: reading, checking, splitting, hashing."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import catalogue

VALIDATION_PERCENT = 15  # share of the training files held out to tune thresholds and calibration


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    sdgs: tuple[int, ...]   # main goal first
    source: str             # file name, for error messages and reports
    weight: float = 1.0     # its weight in training
    place: str | None = None   # where the project takes place, when the file says it


@dataclass
class Corpus:
    train: list[Example]
    validation: list[Example]
    test: list[Example]
    extra: list[Example]    # catalogue descriptions, used as extra training signal


class CorpusError(ValueError):
    pass


def read_examples(path: Path) -> list[Example]:
    """Examples of one JSONL file; a bad line raises an error naming the file and line."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}, ligne {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where} : JSON invalide ({error.msg})") from None
            text, sdgs, ident = record.get("text"), record.get("sdgs"), record.get("id")
            if not isinstance(text, str) or not text.strip():
                raise CorpusError(f"{where} : champ « text » absent ou vide")
            if (not isinstance(sdgs, list) or not sdgs or len(set(sdgs)) != len(sdgs)
                    or not all(isinstance(g, int) and 1 <= g <= 17 for g in sdgs)):
                raise CorpusError(f"{where} : champ « sdgs » invalide ({sdgs!r}) : "
                                  "une liste d'objectifs distincts de 1 à 17, le principal en premier")
            if not isinstance(ident, str) or not ident:
                raise CorpusError(f"{where} : champ « id » absent")
            place = record.get("place")
            examples.append(Example(ident, text.strip(), tuple(sdgs), path.name,
                                    place=place if isinstance(place, str) and place.strip() else None))
    return examples


def corpus_files(data_dir: Path) -> list[Path]:
    corpus = sorted((data_dir / "corpus").glob("*/*.jsonl"))
    if not corpus:
        raise CorpusError(f"aucun fichier de corpus dans {data_dir / 'corpus'} (attendu : train/*.jsonl, test/*.jsonl)")
    return corpus


def data_files(data_dir: Path) -> list[Path]:
    """Every file that training reads, in a fixed order (the hash depends on it)."""
    return (corpus_files(data_dir) + sorted((data_dir / "knowledge").glob("*.yaml"))
            + sorted(data_dir.glob("links_dev*.jsonl")))


def data_hash(data_dir: Path) -> str:
    """SHA-256 of the corpus files and the catalogue: a model is stale when it changes."""
    digest = hashlib.sha256()
    for path in data_files(data_dir):
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(_catalogue_bytes())
    return digest.hexdigest()


def _catalogue_bytes() -> bytes:
    from importlib import resources
    return resources.files("sdgtagger").joinpath("data/catalogue.yaml").read_bytes()


def is_validation(example_id: str) -> bool:
    """Stable split: the same id always lands on the same side."""
    return int(hashlib.sha1(example_id.encode()).hexdigest(), 16) % 100 < VALIDATION_PERCENT


def load(data_dir: Path) -> Corpus:
    train, validation, test = [], [], []
    seen: dict[str, str] = {}
    texts: dict[str, str] = {}
    for path in corpus_files(data_dir):
        split = path.parent.name
        if split not in ("train", "test"):
            raise CorpusError(f"{path} : dossier inattendu « {split} » (train ou test)")
        for example in read_examples(path):
            if example.id in seen:
                raise CorpusError(f"{path.name} : identifiant {example.id} déjà utilisé dans {seen[example.id]}")
            seen[example.id] = path.name
            key = " ".join(example.text.lower().split())
            if key in texts:
                raise CorpusError(f"{path.name} : le texte de {example.id} double celui de {texts[key]}")
            texts[key] = example.id
            if split == "test":
                test.append(example)
            elif is_validation(example.id):
                validation.append(example)
            else:
                train.append(example)
    return Corpus(train, validation, test, catalogue_examples())


DESCRIPTION_WEIGHT = 0.5  # goal summaries and target descriptions: short and formal
KEYWORD_WEIGHT = 0.3      # single keywords: vocabulary the corpus may lack (measured: no loss on validation)


def catalogue_examples() -> list[Example]:
    """Each goal's summary, each target's description and each keyword, labelled with its goal."""
    extra = []
    for goal in catalogue.goals():
        label = (goal.goal,)
        extra.append(Example(f"goal-{goal.goal}", f"{goal.name}. {goal.summary}", label, "catalogue",
                             DESCRIPTION_WEIGHT))
        for target in goal.targets:
            extra.append(Example(f"target-{target.target}", target.description, label, "catalogue",
                                 DESCRIPTION_WEIGHT))
        for number, keyword in enumerate(goal.keywords):
            extra.append(Example(f"keyword-{goal.goal}-{number}", keyword, label, "catalogue", KEYWORD_WEIGHT))
    return extra
