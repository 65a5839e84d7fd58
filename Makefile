# Fake Stripe: `make up` starts the local stack, `make test` runs every test (SPEC §2, §6).
# Every target runs with the project's own Node 24 and tools (.tools/, installed by `make setup`).

SHELL := bash
.DEFAULT_GOAL := help
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(ROOT)/.tools/node/bin:$(ROOT)/.tools/bin:$(PATH)

# Local defaults for the services; override on the command line or in the environment.
ADMIN_TOKEN ?= dev-admin-token
ALLOW_CHAOS_FORCING ?= true
LOG_LEVEL ?= info
export ADMIN_TOKEN ALLOW_CHAOS_FORCING LOG_LEVEL

# DETACH=1: `make up` returns once the stack is ready. service=a,b: only those services.
DETACH ?=
service ?=

STACK := node tools/stack.ts
ONLY = $(if $(service),--service $(service))

.PHONY: help setup up down status logs test lint bench clean-data

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  \033[36m%-11s\033[0m %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo '  Variables: DETACH=1 (up), service=<name>[,<name>] (up/down/status/logs), LOG_LEVEL, ADMIN_TOKEN'

setup: ## Install what is missing: Node 24, the Temporal CLI, node_modules
	bash tools/bootstrap.sh

up: setup ## Start the local stack, print the URLs, stream logs (DETACH=1: return once ready)
	@$(STACK) up $(ONLY) $(if $(filter-out 0 false no,$(DETACH)),--detach)

down: ## Stop the local stack
	@$(STACK) down $(ONLY)

status: ## Show each service's process, readiness and URL
	@$(STACK) status $(ONLY)

logs: ## Follow the services' logs (service=<name> for one)
	@$(STACK) logs $(ONLY)

test: setup ## Type-check, lint and run every test
	npm run typecheck
	npm run lint
	npm test

lint: setup ## Type-check and lint
	npm run typecheck
	npm run lint

bench: setup ## Run the benchmark (tools/bench.ts)
	node tools/bench.ts

clean-data: ## Stop the local stack and delete .data (databases, logs, chaos files)
	@if [ -d node_modules ]; then $(STACK) down; fi
	rm -rf .data
