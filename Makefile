# The two commands of the README:
#   make run   - install, migrate and start the bot (offline demo without BOT_TOKEN)
#   make test  - install everything the tests need (PostgreSQL included) and run them all
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint install install-dev system-libs postgres bench bench-ledger bench-sender

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python system-libs
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python system-libs
	$(BIN)/pip install --quiet -e '.[dev]'

# What WeasyPrint renders documents with: Pango, HarfBuzz's subsetter (without
# it each PDF takes several times longer) and the fonts the templates name.
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core
system-libs:
	@if ! dpkg -s $(SYSTEM_LIBS) >/dev/null 2>&1; then \
		echo "Installing the libraries documents are rendered with..."; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_LIBS) >/dev/null; \
	fi

# exec: no shell outlives bina, so after its clean exit on Ctrl-C make reports no "Interrupt".
run: install
	@if [ -n "$$BOT_TOKEN" ] || grep -qs '^BOT_TOKEN=.' .env; then \
		exec $(BIN)/bina run; \
	else \
		echo "BOT_TOKEN is not set: starting the offline demo (bina demo)."; \
		exec $(BIN)/bina demo; \
	fi

# Tests start their own PostgreSQL server; this makes sure its binaries exist.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "Installing PostgreSQL (needed by the test suite)..."; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

test: install-dev postgres
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy flows storage bot

bench: install-dev
	$(BIN)/python bench/form_throughput.py
	$(BIN)/python bench/belum_isi.py
	$(BIN)/python bench/recap.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/reminder_tick.py

# The ledger benchmark alone; e.g. make bench-ledger BENCH_ARGS="--people 1000 --lines 10000"
# or BENCH_ARGS="--db postgresql+asyncpg://user@host/empty_db".
bench-ledger: install-dev
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)

# The outbox sender against the Bot API stand-in with Telegram's limits (about 6 minutes;
# BENCH_ARGS="--quick" takes under one).
bench-sender: install-dev
	$(BIN)/python bench/sender.py $(BENCH_ARGS)
