# 4C: the entry point. `make run` tries it out; `make test` proves it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint fmt bench bench-cpu bench-nudges screenshots lock venv clean

run: $(STAMP) ## set up, migrate, seed the demo, start web + worker + beat
	bin/run

test: $(STAMP) ## the suite on a throw-away PostgreSQL and Redis, then the embedded suite (ARGS=--embedded: only that)
	bin/test $(ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## pages (wrk, fixed-rate latency, queries) and the engine on the scale dataset (ARGS=--size 10k|100k|1m, --sizes 10k,1m)
	bin/bench $(ARGS)

bench-cpu: $(STAMP) ## each member page's CPU in process on the kept scale data, to compare two versions (ARGS=--pages thread --profile thread)
	bin/bench --cpu $(ARGS)

bench-nudges: $(STAMP) ## 100,000 members' nudges claimed, enqueued, sent by one worker (ARGS=--send-all, --fail...)
	bin/bench --nudges $(ARGS)

screenshots: $(STAMP) ## full-page PNGs of the main pages (roles, 390/1366 px, light/dark) in var/screenshots/
	$(PY) bin/screenshots $(ARGS)

# Refresh the exact versions after changing pyproject.toml.
lock:
	rm -rf var/lock-venv
	"$$(bin/find-python)" -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
	var/lock-venv/bin/pip freeze --exclude-editable --exclude fourc > constraints.txt
	rm -rf var/lock-venv

clean:
	rm -rf $(VENV) var/*
