# kefu developer workflow. `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed
DATA ?=

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6390
export REDIS_DB ?= 0
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export KEFU_GATEWAY_PORT ?= 8080
export KEFU_DB_PATH ?= $(CURDIR)/.run/kefu.db
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help install redis-server browser redis seed train run lint test test-stories validate eval crossval entities bench-sentiment calibrate-anger bench-handoff clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@py=$$(scripts/find_python.sh) && echo "using $$py" && $$py -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --no-cache-dir --upgrade pip==23.3.2
	$(VENV)/bin/python -m pip install -q --no-cache-dir -r requirements.lock
	touch $(STAMP)

install: $(STAMP) ## create the Python 3.10 venv and install the pinned dependencies

redis-server: ## install Debian's redis-server if it is missing (the tests start their own)
	scripts/redis.sh install

browser: ## install Debian's chromium (and CJK fonts) if missing, for the Playwright page tests
	scripts/browser.sh install

redis: ## start the private redis-server (port $REDIS_PORT, data in .run/redis, AOF on)
	scripts/redis.sh start

seed: install ## (re)create the demo order database
	python -m actions.services.seed --db "$(KEFU_DB_PATH)"

.run/kefu.db:
	$(MAKE) seed

train: install ## train the model if config, domain, data or NLU code changed
	scripts/train_if_needed.sh

run: install redis .run/kefu.db train ## set everything up and start all services
	scripts/run.sh

validate: install ## check the training data and domain (tests/test_consistency.py is the strict version)
	rasa data validate

lint: install ## pyflakes checks (unused imports and variables, undefined names) on all Python code
	ruff check .

test: install redis-server browser train ## set everything up, lint and run every test
	$(MAKE) lint
	python -m pytest tests -q -p no:cacheprovider
	$(MAKE) test-stories

test-stories: install train ## conversation tests (tests/test_*.yml) against the trained model
	rasa test core --model models/kefu.tar.gz --stories tests --fail-on-prediction-errors --out results/stories --quiet

eval: install train ## intent accuracy, macro-F1 and confusion matrix on DATA (default ../shared/eval/dev_intents.tsv)
	python -m bot.evaluate $(DATA)

crossval: install ## cross-validated intent accuracy on our own training data (about 1.5 minutes, no eval set needed)
	python -m bot.crossval $(ARGS)

entities: install ## DIET's entity F1 (product, reason) on a held-out fifth of our examples, and its training time
	python -m bot.entity_holdout $(ARGS)

bench-sentiment: install ## anger detector vs. snownlp baseline on DATA (default ../shared/eval/dev_anger.tsv)
	python -m bot.sentiment.benchmark $(DATA)

calibrate-anger: install ## the detector on our own angry/calm calibration set, at several angry thresholds
	python -m bot.sentiment.benchmark data/calibration/anger.tsv --sweep --repeat 1 $(ARGS)

bench-handoff: install redis-server train ## handoff and relay latency (p50/p99) and gateway overhead, on a private stack
	rm -rf .run/bench && export KEFU_RUN_DIR=.run/bench REDIS_PORT=6391 RASA_PORT=5006 ACTIONS_PORT=5056 KEFU_GATEWAY_PORT=8081 \
	  KEFU_DB_PATH=$(CURDIR)/.run/bench/kefu.db RASA_AUTH_TOKEN= KEFU_GATEWAY_SECRET= && \
	scripts/redis.sh start && python -m actions.services.seed --db "$$KEFU_DB_PATH" && \
	scripts/run.sh python -m handoff.benchmark $(ARGS)

clean: ## remove models, results and run state (keeps the venv)
	rm -rf models results .run
