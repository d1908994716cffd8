# The two commands of the README: `make serve` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test chromium bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -e ".[dev]"
	touch $@

# Debian's Chromium for the browser tests (a test tool's own browser download does not work offline).
chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

serve: $(VENV)/.installed
	$(BIN)/sdgtagger serve

test: $(VENV)/.installed chromium
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_tagger.py
	$(BIN)/python bench/bench_service.py
	$(BIN)/python bench/bench_archives.py
	$(BIN)/python bench/bench_links.py
