# CareSys: `make run` serves the demo school, `make test` runs every test. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve test bench lint messages sysdeps sysdeps-test install

# The demo school with the development settings (DEBUG on); every other target runs in
# production mode unless DEBUG=1 is set. The task worker (roster imports) runs beside the
# server, reloading on code changes as runserver does, and stops with it.
run: export DEBUG = 1
run: sysdeps install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo --if-empty
	@echo "CareSys: http://127.0.0.1:8000"
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# A school server: production settings from the environment (SECRET_KEY, ALLOWED_HOSTS, ...),
# migrations, static files collected for whitenoise, gunicorn on $(BIND) (127.0.0.1:8000), and
# beside it the task worker that runs roster imports, stopped when gunicorn stops.
serve: sysdeps install
	$(PY) manage.py check --deploy --fail-level ERROR
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py caresys.wsgi

test: sysdeps-test install
	$(PY) -m pytest

# Every script on SQLite, sharing seeded schools (bench/common.py, seeded_school); with
# DATABASE_URL (a PostgreSQL server) the pages and the load test again on that server (lines
# named pg_…, its seeded schools kept as databases there), then the county. Each script's
# seconds, and last the whole run's.
BENCH_SQLITE = run bench_visits bench_reports bench_rollup bench_export bench_import \
	bench_import_load bench_slow_phone bench_load
BENCH_POSTGRES = run bench_visits bench_load
bench: sysdeps-test install
	start=$$(date +%s); \
	for script in $(BENCH_SQLITE); do \
		began=$$(date +%s); env -u DATABASE_URL $(PY) bench/$$script.py || exit 1; \
		echo "bench_$${script#bench_}_s: $$(( $$(date +%s) - began ))"; \
	done; \
	for script in $${DATABASE_URL:+$(BENCH_POSTGRES)} bench_county; do \
		began=$$(date +%s); $(PY) bench/$$script.py || exit 1; \
		echo "bench_pg_$${script#bench_}_s: $$(( $$(date +%s) - began ))"; \
	done; \
	echo "bench_total_s: $$(( $$(date +%s) - start ))"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# After changing interface strings: refresh locale/en (needs Debian's gettext), translate the
# new msgids in locale/en/LC_MESSAGES/django.po, then run this again to compile the .mo.
messages: export DEBUG = 1
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

sysdeps:
	@scripts/sysdeps.sh run

sysdeps-test:
	@scripts/sysdeps.sh test

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
