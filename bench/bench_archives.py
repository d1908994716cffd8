"""Archive throughput and memory: a French-Excel CSV of 60-word texts through `sdgtagger tag`.

    python bench/bench_archives.py [--rows 100000]

Writes a CSV (';', Windows-1252, as French Excel saves it) of distinct 60-word windows cut from
the corpus, then runs `sdgtagger tag --input big.csv --output out.csv` with --jobs 1 and
--jobs 2 as separate processes. Prints rows/s (whole process: start-up, reading, tagging,
writing the final CSV) and the peak memory of the whole process tree (sampled every 50 ms),
plus the peak for half the rows, to show that memory does not grow with the row count.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_tagger import windows  # noqa: E402


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run(source: Path, jobs: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "sdgtagger.cli", "tag", "--input", str(source), "--output",
                   str(Path(folder) / "out.csv"), "--jobs", str(jobs), "--quiet", "--text-field", "Description"]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT)
        peak = 0
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        process.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        if process.returncode:
            raise SystemExit(f"sdgtagger a échoué ({process.returncode})")
        with open(Path(folder) / "out.csv", encoding="utf-8-sig") as handle:
            assert sum(1 for _ in csv.reader(handle, delimiter=";")) == count_rows(source) + 1
    return seconds, peak


def count_rows(source: Path) -> int:
    with open(source, encoding="cp1252", newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=";")) - 1


def write_csv(path: Path, texts: list[str]) -> None:
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Référence", "Année", "Description"])
        for i, text in enumerate(texts):
            writer.writerow([f"P{i:06d}", 2015 + i % 10, text])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    texts = windows(args.rows, 60)
    with tempfile.TemporaryDirectory() as folder:
        half, full = Path(folder, "half.csv"), Path(folder, "full.csv")
        write_csv(half, texts[: args.rows // 2])
        write_csv(full, texts)
        print(f"CSV de {args.rows} lignes ({full.stat().st_size / 1e6:.0f} Mo, textes de 60 mots, ';', Windows-1252)")
        results = {}
        for jobs in (1, 2):
            seconds, peak = run(full, jobs)
            results[jobs] = args.rows / seconds
            print(f"--jobs {jobs} : {results[jobs]:,.0f} lignes/s ({seconds:.1f} s), mémoire de pointe "
                  f"{peak / 1e6:,.0f} Mo (tous processus)")
        print(f"accélération --jobs 2 / --jobs 1 : {results[2] / results[1]:.2f}x")
        seconds, peak = run(half, 1)
        print(f"--jobs 1 sur {args.rows // 2} lignes : mémoire de pointe {peak / 1e6:,.0f} Mo "
              f"({args.rows // 2 / seconds:,.0f} lignes/s)")


if __name__ == "__main__":
    main()
