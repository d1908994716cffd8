"""Throughput and latency of the tagger, beside spaCy's bare French tokenizer on the same texts.

    python bench/bench_tagger.py [--docs 20000] [--words 60]

Prints:
- whole-path batch throughput: `sdgtagger tag --input X.jsonl --output Y.jsonl` as a separate
  process, start-up, reading, tagging and writing included (docs/s), pinned to one core;
- in-process batch throughput of Tagger.tag(texts, evidence=False);
- spaCy's `spacy.blank("fr")` tokenizer over the same texts in the same run, and the ratio;
- single-text latency of Tagger.tag([text]) with evidence (median, p95, p99);
- what recommending adds to a tag call (median, p99);
- `sdgtagger tag "…"` from the shell (seconds, start-up included).
The texts are distinct 60-word windows cut from the corpus (test split first), so caches
start cold as with a real archive.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdgtagger import Tagger  # noqa: E402
from sdgtagger.corpus import load  # noqa: E402


def windows(n_docs: int, n_words: int) -> list[str]:
    """Distinct n_words-long windows over the corpus text, cycling offsets to get n_docs."""
    corpus = load(ROOT / "training_data")
    words = " ".join(e.text for e in corpus.test + corpus.validation + corpus.train).split()
    texts, offset, step = [], 0, n_words
    while len(texts) < n_docs:
        for start in range(offset, len(words) - n_words, step):
            texts.append(" ".join(words[start:start + n_words]))
            if len(texts) == n_docs:
                break
        offset += 7  # another pass over the corpus cuts different windows
    return texts


def whole_path(texts: list[str]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "in.jsonl"), Path(folder, "out.jsonl")
        with open(source, "w", encoding="utf-8") as handle:
            for i, text in enumerate(texts):
                handle.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")
        command = [sys.executable, "-m", "sdgtagger.cli", "tag", "--input", str(source),
                   "--output", str(target), "--quiet"]
        if hasattr(os, "sched_setaffinity"):
            command = ["taskset", "-c", "0"] + command
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        with open(target, encoding="utf-8") as handle:
            assert sum(1 for _ in handle) == len(texts)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--words", type=int, default=60)
    args = parser.parse_args()
    texts = windows(args.docs, args.words)
    print(f"{len(texts)} textes distincts de {args.words} mots")

    seconds = whole_path(texts)
    print(f"chemin complet (processus « sdgtagger tag --input/--output », 1 cœur) : "
          f"{len(texts) / seconds:,.0f} docs/s ({seconds:.1f} s, démarrage compris)")

    tagger = Tagger.load()
    start = time.perf_counter()
    tagger.tag(texts, evidence=False)
    ours = len(texts) / (time.perf_counter() - start)
    print(f"Tagger.tag en mémoire (cache froid) : {ours:,.0f} docs/s")

    import spacy
    nlp = spacy.blank("fr")
    start = time.perf_counter()
    for _ in nlp.tokenizer.pipe(texts, batch_size=1000):
        pass
    spacy_rate = len(texts) / (time.perf_counter() - start)
    print(f"tokeniseur spaCy blank('fr') seul, même textes (cache froid) : {spacy_rate:,.0f} docs/s")
    print(f"rapport chemin complet / tokeniseur spaCy : {len(texts) / seconds / spacy_rate:.2f} ; "
          f"en mémoire / tokeniseur : {ours / spacy_rate:.2f}")

    latencies = []
    for text in texts[:2000]:
        start = time.perf_counter()
        tagger.tag([text])
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    print(f"un texte avec preuves, en mémoire : médiane {statistics.median(latencies):.2f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies))]:.2f} ms, p99 {latencies[int(0.99 * len(latencies))]:.2f} ms")

    from sdgtagger.recommend import Recommender
    recommender = Recommender(tagger, tagger.knowledge)
    added = []
    for text in texts[:1000]:
        [tagging] = tagger.tag([text])
        start = time.perf_counter()
        recommender.recommend(text, tagging=tagging)
        added.append((time.perf_counter() - start) * 1000)
    added.sort()
    print(f"recommandations en plus de l'étiquetage : médiane {statistics.median(added):.2f} ms, "
          f"p99 {added[int(0.99 * len(added))]:.2f} ms")

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sdgtagger.cli", "tag", texts[0]], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    print(f"« sdgtagger tag \"…\" » depuis le shell : {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
