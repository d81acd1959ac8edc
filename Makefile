# The two commands of README.md:
#   make run   – set up everything on a fresh machine and serve the demo on http://127.0.0.1:8000,
#                with a background worker (Procfile, run by honcho; Ctrl-C or SIGTERM stops all)
#   make test  – every check: ruff, migrations, the whole pytest suite (browser tests included)
# Without DATABASE_URL both use the embedded PostgreSQL under var/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install lint chromium clean-var

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# honcho runs the Procfile's web and worker; `exec` makes it the process make waits on, so a
# SIGTERM to make (which make passes on) reaches honcho, which stops both and waits for them.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) PATH="$(abspath $(BIN)):$$PATH" \
		exec $(BIN)/honcho --procfile Procfile start

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install lint chromium
	$(BIN)/python manage.py makemigrations --check --dry-run  # as anyone would run it: no keys needed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean-var:
	rm -rf var
