# Two commands: `make run` and `make test`. Everything they need is set up here.
# What is installed is pinned, with hashes, in requirements.lock (`make lock` refreshes it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.5.2
PO := $(wildcard locales/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000
# `make salpim ARGS="admin invite --role honorary --dong 1111065000"` runs any other command.
ARGS ?= --help

.PHONY: run test setup catalogs missing-translations migrate lock lock-upgrade salpim directory staff invite token verify-audit bench browser clean flows

run: setup migrate
	@echo "Salpim is starting: playground at http://$(HOST):$(PORT)/playground (Ctrl-C stops)"
	$(BIN)/salpim serve --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/python -m pytest -q

setup: $(STAMP) catalogs

# The lock pins every package and its build tools (setuptools, wheel) with hashes; the project
# itself is installed from the working tree without touching the network again.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-pin after pyproject.toml changed: `make lock` keeps every pin that still fits and adds or
# drops only what the change needs; `make lock-upgrade` takes every update on purpose. Both
# cover pyproject's dependencies, the `test` extra and the build tools, for this Python and
# platform, with the package index's hashes. Then `make test`, and commit requirements.lock.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
  --allow-unsafe --all-build-deps --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
  --output-file $(LOCK) pyproject.toml

lock: $(LOCK_VENV)/.installed
	$(PIP_COMPILE)

lock-upgrade: $(LOCK_VENV)/.installed
	$(PIP_COMPILE) --upgrade

$(LOCK_VENV)/.installed:
	test -x $(LOCK_VENV)/bin/python || $(PY) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q '$(PIP_TOOLS)'
	touch $@

catalogs: $(STAMP) $(MO)

locales/%.mo: locales/%.po
	$(BIN)/pybabel compile -i $< -o $@ --statistics

# Catalog keys of Korean not yet in vi, zh_Hans, en (TSV: domain, key, ko, en); LANG_CODE=vi for one.
# Translate the last two columns into one and add them: scripts/missing_translations.py vi --apply FILE
missing-translations: setup
	$(BIN)/python scripts/missing_translations.py $(LANG_CODE)

migrate: setup
	$(BIN)/salpim migrate

# Everyday commands (each prints what it did; `make salpim ARGS=...` for the rest).
salpim: setup
	$(BIN)/salpim $(ARGS)

directory: setup migrate
	$(BIN)/salpim load-directory $(or $(FILE),welfare/data/directory_jongno.csv)

staff: setup migrate
	$(BIN)/salpim admin create-staff --role $(ROLE) $(if $(DONG),--dong $(DONG)) $(if $(SIGUNGU),--sigungu $(SIGUNGU))

invite: setup migrate
	$(BIN)/salpim admin invite --role $(ROLE) --dong $(DONG)

token: setup migrate
	$(BIN)/salpim admin token --member $(MEMBER)

verify-audit: setup migrate
	$(BIN)/salpim admin verify-audit

flows: setup
	$(BIN)/salpim flows

bench: setup
	$(BIN)/salpim bench

# The browser tests drive Debian's chromium through Playwright (Playwright's own browser
# download cannot work here). Installed when missing and we may; otherwise those tests skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: the browser test will be skipped"; \
	  else echo "chromium is not installed and cannot be (not root): the browser test will be skipped"; fi; }
	@# Korean glyphs for the web office's screenshots (docs/office/); without them Hangul is boxes.
	@fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null)) \
	      || echo "fonts-noto-cjk could not be installed: screenshots will show no Korean"; \
	  else echo "fonts-noto-cjk is not installed and cannot be (not root)"; fi; }

clean:
	rm -rf $(VENV) $(LOCK_VENV) var/*.db* $(MO)
