# The commands of the README: `make run`, `make test` and `make bench`. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export AWS_EC2_METADATA_DISABLED := true
export AWS_DEFAULT_REGION := eu-west-3
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test lint typecheck unit install system-deps browser-deps reset-data audit lock synth infra-check bench openapi

help:
	@echo "make run    start the portal with its demo data on http://127.0.0.1:8080 (Ctrl-C stops it)"
	@echo "make test   run every test tier, ruff and mypy --strict"
	@echo "make unit   run the unit tier alone (no local stack, a few seconds)"
	@echo "make openapi  write services/*/openapi.json from the declared contract (src/mesfactures/contract/)"
	@echo "make bench  measure the budgets of DESIGN.md section 5 (BENCH_QUICK=1: smaller sizes)"

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q 'pip<26.3' 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import mesfactures, chalice, moto, pynamodb, playwright"
	touch $@

install: $(STAMP) system-deps

# Node tools of the tests (axe-core); the site itself needs no build.
node_modules/.package-lock.json: package.json package-lock.json | system-deps
	npm ci --silent --no-audit --no-fund

# Java runs DynamoDB Local; npm fetches it (the emulator itself is unpacked by devstack on first start).
system-deps:
	@command -v java >/dev/null && command -v npm >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless npm; }

browser-deps:
	@test -x /usr/bin/chromium || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

run: install
	$(PY) -m devstack

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@for file in web/js/*.js; do node --experimental-default-type=module --check $$file || exit 1; done

typecheck: $(STAMP)
	$(PY) -m mypy src services/*/app.py devstack tests infra bench

# The CDK app (infra/): CloudFormation templates in cdk.out/, offline (no credentials, no network). Where
# the machine allows it (root), synthesis runs in a network namespace of its own, so offline is enforced.
OFFLINE := $(shell unshare -n true 2>/dev/null && echo "unshare -n --")
synth: $(STAMP) system-deps
	rm -rf cdk.out chalice.out
	$(OFFLINE) $(PY) -m infra.app

# checkov has dependencies that clash with the project's: it lives in a venv of its own.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install -q 'checkov>=3.2,<4' 2>&1 | grep -v "^WARNING: Location" || true

# cfn-lint fails on errors; W3005 (a DependsOn also implied by a GetAtt) is how CDK writes its own resources.
infra-check: synth $(CHECKOV)
	$(VENV)/bin/cfn-lint --non-zero-exit-code error --ignore-checks W3005 -- cdk.out/*.template.json
	$(CHECKOV) --config-file infra/.checkov.yaml -d cdk.out

# The unit tier alone (domain rules, use cases against fakes of their ports): no stack, seconds.
unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

test: install browser-deps node_modules/.package-lock.json lint typecheck infra-check
	$(PY) -m pytest

# The exact versions installed, after a change to pyproject.toml's dependencies.
lock: $(STAMP)
	{ sed -n '1,2p' requirements.lock; $(PY) -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# Known vulnerabilities in the locked dependencies. pip-audit asks PyPI's JSON API or OSV, which this
# workplace cannot reach (only the package index is): run it where they are reachable, as CI in AWS would.
audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --progress-spinner off -r requirements.lock

# Lighthouse, for the benchmark only (its own package.json, apart from the tests' tools).
bench/node_modules/.package-lock.json: bench/package.json bench/package-lock.json | system-deps
	npm ci --prefix bench --silent --no-audit --no-fund

# services/<area>/openapi.json, generated from the declared contract (src/mesfactures/contract/<area>.py).
openapi: $(STAMP)
	$(PY) -m mesfactures.contract.openapi

# Every budget of DESIGN.md section 5 beside its baseline; writes bench/results/latest.json (a few minutes).
bench: install browser-deps bench/node_modules/.package-lock.json
	$(PY) -m bench $(if $(filter 1,$(BENCH_QUICK)),--quick,)

# Forget the local ledger (DynamoDB Local's files and the demo data's anchor day).
reset-data:
	rm -rf var
