# Two commands: `make run` and `make test`. Everything they need is set up here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.PHONY: run test setup catalogs migrate bench browser clean flows

run: setup migrate
	@echo "Salpim is starting: playground at http://127.0.0.1:8000/playground (Ctrl-C stops)"
	$(BIN)/salpim serve --host 127.0.0.1 --port 8000

test: setup browser
	$(BIN)/python -m pytest -q

setup: $(STAMP) catalogs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

catalogs: $(STAMP) $(MO)

locales/%.mo: locales/%.po
	$(BIN)/pybabel compile -i $< -o $@ --statistics

migrate: setup
	$(BIN)/salpim migrate

flows: setup
	$(BIN)/salpim flows

bench: setup
	$(BIN)/salpim bench

# The browser test drives Debian's chromium through Playwright (Playwright's own browser
# download cannot work here). Installed when missing and we may; otherwise that test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: the browser test will be skipped"; \
	  else echo "chromium is not installed and cannot be (not root): the browser test will be skipped"; fi; }

clean:
	rm -rf $(VENV) var/*.db* $(MO)
