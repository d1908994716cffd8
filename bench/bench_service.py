"""Latency and throughput of the HTTP service on loopback, /healthz measured in the same run as the floor.

    python bench/bench_service.py [--requests 2000]

Starts `sdgtagger serve` on a free loopback port with a throw-away register, measures the time
from start to /readyz answering, then sends a bounded number of sequential keep-alive requests:
POST /api/v1/tag with a 60-word French text, and GET /healthz. Prints p50/p99 and requests/s.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

TEXT = ("La commune de Saint-Herblain et la commune rurale de Dioro au Mali renouvellent leur convention "
        "de coopération décentralisée : réhabilitation de trois forages, construction de latrines dans "
        "les écoles, formation du comité de gestion de l'eau et sensibilisation des mères à l'hygiène. "
        "Le projet est cofinancé par l'agence de l'eau au titre du 1 % eau et assainissement.")


def measure(client: httpx.Client, method: str, url: str, count: int, **kwargs) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.request(method, url, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return sorted(times)


def report(name: str, times: list[float]) -> None:
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    print(f"{name:<22} p50 {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms   "
          f"{len(times) / (sum(times) / 1000):7.0f} requêtes/s (séquentielles)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(f"texte de {len(TEXT.split())} mots")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SDGTAGGER_DATABASE_URL": f"sqlite:///{folder}/r.sqlite3"}
        start = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "sdgtagger.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                while True:
                    try:
                        if client.get("/readyz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() - start > 60 or server.poll() is not None:
                        raise SystemExit("le service n'a pas démarré")
                    time.sleep(0.02)
                print(f"démarrage jusqu'à /readyz : {time.perf_counter() - start:.2f} s")
                measure(client, "POST", "/api/v1/tag", 50, json={"text": TEXT})  # warm-up
                report("GET /healthz", measure(client, "GET", "/healthz", args.requests))
                report("POST /api/v1/tag", measure(client, "POST", "/api/v1/tag", args.requests, json={"text": TEXT}))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
