# Lakewarden: two commands. Both create or update the virtualenv at .venv from the
# hash-locked requirements.lock, install the project into it, then run.
#   make demo   build the synthetic bank lake under demo-lake/ and run every lifecycle step
#   make test   run the test suite: unit, integration on embedded Sail, then integration on classic Spark
#               with delta-spark (real Delta tables, a real OpenBao server, a real MinIO S3 server,
#               a standalone Spark cluster)

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.lakewarden-installed

.PHONY: demo test fuzz minio
SECONDS ?= 60
# The S3 tests run against a real MinIO server, built once from the Go module proxy (about 4 minutes)
# and cached outside the repository. The version is pinned in tests/fixtures/minio.py.
MINIO_VERSION := $(shell sed -n 's/^MINIO_VERSION = "\(.*\)"/\1/p' tests/fixtures/minio.py)
MINIO_BIN := $(HOME)/.cache/lakewarden/minio/$(MINIO_VERSION)/minio

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Lakewarden needs Python >= 3.11 (found: $$($(PYTHON) --version)); run: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/lakewarden demo

$(MINIO_BIN):
	@command -v go >/dev/null 2>&1 || { echo "make test: Go is needed to build the MinIO server of the S3 tests (https://go.dev/dl/)"; exit 1; }
	@echo "== building the MinIO server for the S3 tests (once per machine: go install github.com/minio/minio@$(MINIO_VERSION))"
	GOBIN=$(dir $(MINIO_BIN)) CGO_ENABLED=0 go install github.com/minio/minio@$(MINIO_VERSION)

minio: $(MINIO_BIN)

test: $(STAMP) $(MINIO_BIN)
	@command -v java >/dev/null 2>&1 || { echo "make test: Java 17+ is needed for the classic-Spark tests (spark-submit path)."; \
	  echo "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless   macOS: brew install openjdk@17"; exit 1; }
	@echo "== unit tests, then integration tests on the embedded engine (Sail)"
	@$(VENV)/bin/python -m pytest tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; [ $$rc -eq 0 ] || exit $$rc
	@echo "== integration tests again on classic Spark with delta-spark (the jar is fetched from Maven Central once, then cached)"
	@$(VENV)/bin/python -m pytest tests/integration -m both_engines --engine classic; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# Not one of the two set-up commands: run the fuzz targets of tests/fuzz for $(SECONDS) seconds.
fuzz: $(STAMP)
	$(VENV)/bin/python -m tests.fuzz.run --seconds $(SECONDS)
