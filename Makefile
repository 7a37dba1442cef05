# The verbs a newcomer needs. `make up` and `make test` set everything up on a
# fresh machine with Python 3.11+: the virtual environment is made on first use
# and brought up to date when pyproject.toml changes. `make up` installs only
# what running needs; the other verbs add the tools (tests, linters, browser).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNNABLE := $(VENV)/.installed-run
INSTALLED := $(VENV)/.installed-dev
BENCH_INSTALLED := $(VENV)/.installed-bench

# The pages' translations, compiled from the .po files in locale/.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

.PHONY: up test bench chaos lint fmt check-deploy check-image messages clean

up: $(RUNNABLE) $(MESSAGES)
	$(BIN)/python -m voting_site.launcher

# axe-core, for the accessibility checks in Chromium, and oidc-provider, the identity
# provider of the sign-in tests (package.json), installed when npm is here; without npm
# those tests are skipped, and `make test` says so first.
AXE := node_modules/axe-core/axe.min.js
NPM := $(shell command -v npm 2>/dev/null)
ifneq ($(NPM),)
TEST_TOOLS := $(AXE)
endif

# The tests run in parallel (pytest-xdist), one process more than the cores (the
# end-to-end tests spend part of their time waiting on their servers); PYTEST_WORKERS=0
# runs them in one. Each process steals the queued tests of a busier one at the end.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: $(INSTALLED) $(MESSAGES) $(TEST_TOOLS)
	@test -n "$(NPM)" || echo "make test: no npm, so no axe-core or oidc-provider: the accessibility and identity-provider sign-in tests are skipped (apt-get install npm)"
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Not a test: prints the pipeline's figures and writes bench/results.json (a few minutes).
# `make bench FIGURES="http next"` runs those alone (bench/run.py --help lists them).
bench: $(BENCH_INSTALLED) $(MESSAGES)
	$(BIN)/python bench/run.py $(FIGURES)

# Not a test: `make up` under bursts of votes, with the worker, Redis, PostgreSQL and the
# web process killed in turn; prints votes lost and counted twice (0 and 0), and recovery.
chaos: $(INSTALLED) $(MESSAGES)
	$(BIN)/python bench/chaos.py

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy voting_site polls tally events accounts bench tools tests

# The deployment files, checked without a Docker engine: hadolint, the compose
# and stack files through docker-compose (Debian's package), the Kubernetes
# manifests against the API's schemas.
K8S_MANIFESTS := $(filter-out docker/k8s/kustomization.yaml,$(wildcard docker/k8s/*.yaml))
check-deploy: $(INSTALLED)
	$(BIN)/hadolint docker/Dockerfile
	POSTGRES_PASSWORD=check DJANGO_SECRET_KEY=check docker-compose -f docker/compose.yaml --profile seed config -q
	POSTGRES_PASSWORD=check DJANGO_SECRET_KEY=check docker-compose -f docker/stack.yaml config -q
	$(BIN)/kubernetes-validate --strict --quiet $(K8S_MANIFESTS)

# The image built from docker/Dockerfile and run for real (docker/smoke.py): the web
# alone on an empty database answers 503 until migrated; then Compose up on a free
# port, /readyz, one vote cast as a browser and counted, the results socket saying so;
# then everything removed (`down -v`). Needs a Docker engine and docker-compose.
# STANDINS=1 first builds local stand-ins for the base images (../shared/docker-standins/)
# where, as in CI here, none can be pulled.
check-image: $(INSTALLED)
	@if [ -n "$(STANDINS)" ]; then bash ../shared/docker-standins/build.sh >/dev/null; fi
	$(BIN)/python docker/smoke.py

# After changing a user-facing string: bring the .po files up to date (GNU gettext's
# xgettext), then translate what is new or marked fuzzy; `make test` checks it.
MESSAGES_IGNORE := --ignore '.venv/*' --ignore '.data/*' --ignore 'tests/*' --ignore 'bench/*' \
	--ignore 'staticfiles/*'
messages: $(INSTALLED)
	$(BIN)/python manage.py makemessages --locale es --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py makemessages --locale es --no-obsolete --domain djangojs $(MESSAGES_IGNORE)

locale/%.mo: locale/%.po $(RUNNABLE)
	$(BIN)/python -m voting_site.translations

fmt: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The installer: uv, where it is on the PATH, else fetched once with pip into this user's
# cache, as pip's and uv's own caches are kept, for every clone after. A fresh clone's
# `make up` answered in 13 s with it, 31 s with pip (docs/operations.md, "A fresh start").
# Then what `make up`'s processes import is compiled to bytecode, once
# (voting_site/bytecode.py).
UV_KEPT := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/voting-system/uv
UV := $(or $(shell command -v uv 2>/dev/null),$(UV_KEPT)/bin/uv)
PIP_INSTALL := $(UV) pip install --quiet --python $(BIN)/python

$(UV_KEPT)/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
		--target $(UV_KEPT) uv

$(RUNNABLE): pyproject.toml | $(UV)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(PIP_INSTALL) -e ".[embedded]"
	$(BIN)/python -m voting_site.bytecode
	touch $@

# The tools' installs compile all of their bytecode: the tests start many processes.
$(INSTALLED): $(RUNNABLE)
	$(PIP_INSTALL) --compile-bytecode -e ".[dev]"
	touch $@

$(BENCH_INSTALLED): $(INSTALLED)
	$(PIP_INSTALL) --compile-bytecode -e ".[dev,bench]"
	touch $@

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache $(MESSAGES)
