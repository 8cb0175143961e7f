# perf: two commands do everything on a fresh machine: `make demo` and `make test`.
# Python 3.11, 3.12 or 3.13: `make test PYTHON=python3.13` rebuilds the virtualenv on it.
PYTHON ?= python3
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(PYTHON_VERSION)-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# The demo runs with debugging on (static files served by runserver, a local secret key).
DEMO_ENV := DEBUG=true
HOST := 127.0.0.1:8000

.PHONY: install demo test bench lint format messages plotly-bundle clean

$(INSTALLED): pyproject.toml
	test -x $(PY) && $(PY) -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(PYTHON_VERSION)")' \
		|| { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(INSTALLED)

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "perf is starting on http://$(HOST)/  (Ctrl-C to stop)"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST)

# PYTEST_ARGS narrows the run, e.g. PYTEST_ARGS='-m "not browser"'. The suite runs on
# TEST_WORKERS processes (pytest-xdist; each with its own test database and Redis database).
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest --numprocesses=$(TEST_WORKERS) --dist=worksteal $(PYTEST_ARGS)

# PostgreSQL only (DATABASE_URL=postgres://…); REDIS_URL adds the Celery workers line. Seeds the
# bench company (10,000 people, 1,000,000 orders) on first use: a few minutes and about 3 GB.
bench: install
	$(DEMO_ENV) $(PY) manage.py bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext; the compiled catalogs are committed so running perf never does.
messages: install
	$(DEMO_ENV) $(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=staticfiles
	$(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv

# Rebuilds static/js/plotly-perf.min.js (only the trace types perf draws) from the plotly.js
# release pinned in static-src/plotly/package-lock.json, which must be the one the plotly Python
# package ships; then the stylesheet Plotly would inject. Needs Node 18+ and npm; the result is
# committed, so running perf never does.
plotly-bundle: install
	cd static-src/plotly && npm ci --ignore-scripts --no-audit --no-fund && npm run build
	$(PY) tests/dashboards/test_plotly_css.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles test-artifacts
