# Fake Stripe: `make up` starts the local stack, `make test` runs every test, both on a fresh machine.
# Every target runs with the project's own Node 24 and tools (.tools/, installed by `make setup`).

SHELL := bash
.DEFAULT_GOAL := help
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(ROOT)/.tools/node/bin:$(ROOT)/.tools/bin:$(PATH)

# The services' tokens and switches (ADMIN_TOKEN, MANAGER_TOKEN, CUSTOMER_TOKEN_SECRET,
# ALLOW_CHAOS_FORCING) and the scenarios' API_URL pass through from the command line or the
# environment; their local defaults live once, in tools/stack/services.ts (localDefaults) and the
# kernel's local-stack.ts (ports).
LOG_LEVEL ?= info
export LOG_LEVEL
N ?= 20
ID ?=

# DETACH=1: `make up` returns once the stack is ready. service=a,b: only those services.
DETACH ?=
service ?=
# CRASH_ORDERS=: orders per batch of `make crash-test` (the tests' own default is 30).
CRASH_ORDERS ?= 100
# PHASES=lint,unit: only those phases of `make test` (type-check, lint, unit, cross-service, collections, fuzz, images, chart, k8s).
PHASES ?=
# collection=order|workflows|domain: one request collection for `make requests`; env= its environment.
collection ?=
env ?= local
# make chaos: service= profile= (off, default or a named profile) for one service, or preset=
# (off, default, fast) for every chaos service (print=1: only print its documents); the kubeconfig
# context= (blank: the current one), and the namespace= and release= the chart is in.
profile ?=
preset ?=
print ?=
context ?=
release ?=
namespace ?=
shape ?= steady
rate ?= 5
duration ?=

STACK := node tools/stack.ts
ONLY = $(if $(service),--service $(service))
SCENARIO := node tools/scenarios.ts

.PHONY: help setup up down status logs test lint requests bench clean-data scenarios scenario-happy \
	scenario-approval scenario-reject scenario-cancel scenario-timeout scenario-compensation \
	scenario-chaos scenario-custom soak load crash-test

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@printf '  \033[36m%-22s\033[0m %s\n' 'k8s-scenario-<name>' 'A scenario against the cluster through the port-forwards: $(K8S_SCENARIOS) (N= for chaos)'
	@echo '  Variables: DETACH=1 (up), service=<name>[,<name>] (up/down/status/logs), N= (scenario-chaos, soak),'
	@echo '    shape= rate= duration= (load), CRASH_ORDERS= (crash-test), service= profile= | preset= print=1, context= release= namespace= (chaos),'
	@echo '    TEMPORAL_MODE=chart|dev (k8s-deploy), ID= (scenario-custom), PHASES=<phase>[,<phase>] (test),'
	@echo '    collection=order|workflows|domain and env= (requests), only=<part>[,<part>] (bench), API_URL, LOG_LEVEL, AUTH, SERVICE_TOKEN,'
	@echo '    ADMIN_TOKEN, MANAGER_TOKEN, CUSTOMER_TOKEN_SECRET'

setup: ## Install what is missing (Node 24, Temporal CLI, schemathesis, helm, helm-unittest, etcd, kube-*, kubectl, kwok, kind-config-check, Prometheus, tilt, node_modules), showing each tool and its time
	@bash tools/bootstrap.sh

up: setup ## Start the local stack, print the URLs, stream logs (DETACH=1: return once ready)
	@$(STACK) up $(ONLY) $(if $(filter-out 0 false no,$(DETACH)),--detach)

down: ## Stop the local stack
	@$(STACK) down $(ONLY)

status: ## Show each service's process, readiness and URL
	@$(STACK) status $(ONLY)

logs: ## Follow the services' logs (service=<name> for one)
	@$(STACK) logs $(ONLY)

# Tests log at warn (tests/jest.setup.js) unless LOG_LEVEL is given on the command line or in the environment.
test: setup ## Type-check, lint, unit, cross-service, collection, fuzz, image, chart and k8s tests, then a summary of the phases (PHASES=)
	@LOG_LEVEL=$(if $(filter command line environment,$(origin LOG_LEVEL)),$(LOG_LEVEL),warn) \
		node tools/test-phases.ts $(if $(PHASES),--only '$(PHASES)')

lint: setup ## Type-check and lint
	npm run typecheck
	npm run lint

requests: setup ## Run the request collections (tools/requests/*.http) against the running stack (collection=, env=)
	@npx httpyac send $(if $(collection),tools/requests/requests$(if $(filter-out workflows,$(collection)),-$(collection)).http,'tools/requests/*.http') --all --env '$(env)' -o short

soak: setup ## N seeded chaos orders (N=20) through a platform on ephemeral ports: progress, scorecard, rate, audit (tools/soak.ts)
	@node tools/soak.ts --count $(N)

load: setup ## Orders through the API at a shape's rate, open loop (shape=steady|ramp|spike|soak rate=5 duration=): progress, latency, outcomes, retries, audit (tools/load.ts; API_URL for a cluster)
	@node tools/load.ts --shape '$(shape)' --rate '$(rate)' $(if $(duration),--duration '$(duration)')

crash-test: setup ## The crash tests larger (CRASH_ORDERS=100): the worker SIGKILLed every 5 s, each domain service restarted mid-batch
	@CRASH_ORDERS=$(CRASH_ORDERS) npm test -- tests/crash-worker.test.ts tests/crash-services.test.ts

bench: ## Run the benchmarks (only=foundation,features,stripe,orders,rss,up for some): authorize vs bare node:http, the koa floor and stripe-mock, what each of authorize's features costs, orders vs a baseline workflow at 8 and 32 starters, latency at half rate, the idle stack's RSS, make up's time; one table against the goals (tools/bench.ts); installs stripe-mock too
	@bash tools/bootstrap.sh bench
	node tools/bench.ts $(only)

clean-data: ## Stop the local stack and delete .data (databases, logs, chaos files)
	@if [ -d node_modules ]; then $(STACK) down; fi
	rm -rf .data

scenarios: ## Interactive menu: every scenario, open the Temporal UI, check services
	@$(SCENARIO) menu

scenario-happy: ## One order through every step to shipped
	@$(SCENARIO) happy

scenario-approval: ## An order that needs a manager: awaiting_approval, approve, shipped
	@$(SCENARIO) approval

scenario-reject: ## A manager rejects the order: rejected, authorization released
	@$(SCENARIO) reject

scenario-cancel: ## The customer cancels while the label is created: cancelled, compensated
	@$(SCENARIO) cancel

scenario-timeout: ## Nobody approves within 5 s: rejected (approval timed out), compensated
	@$(SCENARIO) timeout

scenario-compensation: ## Shipping fails (address error): failed, refund then inventory release
	@$(SCENARIO) compensation

scenario-chaos: ## N orders (N=20) under the live chaos, then a scorecard and the audit
	@$(SCENARIO) chaos --count $(N)

scenario-custom: ## The happy path with your order id (ID=ORD-...)
	@$(if $(ID),,$(error ID is required, e.g. make scenario-custom ID=ORD-42))$(SCENARIO) custom --id '$(ID)'

.PHONY: scenario-schedule scenario-versioning schedule
scenario-schedule: ## The audit and restock Temporal Schedules: trigger (report in the audit history), backfill, restock a low SKU, pause
	@$(SCENARIO) schedule

scenario-versioning: ## Large orders start on the old worker, the patched one (fraud check) takes over: all finish, new ones screened
	@$(SCENARIO) versioning

action ?= list
schedule: ## A Temporal Schedule through the API: action=list|history|create|describe|pause|unpause|trigger|backfill|delete name=audit|restock (every= note= minutes= threshold= target=)
	@node tools/schedules.ts $(action) $(name) $(if $(every),--every $(every)) $(if $(note),--note '$(note)') \
		$(if $(minutes),--minutes $(minutes)) $(if $(threshold),--threshold $(threshold)) $(if $(target),--target $(target))

.PHONY: scenario-subscription
scenario-subscription: ## A subscription: three periods, a declined charge recovered by dunning, a plan change (Update), continue-as-new
	@node tools/scenarios/subscription.ts

.PHONY: chart-test
chart-test: setup ## The chart's static checks: helm lint --strict (defaults, each ci/ values file), helm unittest
	@node tools/chart-test.ts

.PHONY: test-k8s
test-k8s: setup ## The chart and k8s/ in a real control plane on loopback (etcd, kube-*, kwok): install --wait, strict validation, RBAC, upgrade; the chaos ConfigMap watch
	@node tools/test-phases.ts --only k8s

.PHONY: chaos
chaos: ## Set chaos in a cluster by patching the chaos ConfigMaps: service= profile=off|default|<name>, or preset=off|default|fast for all (print=1); context=, release=, namespace=
	@node tools/chaos.ts --service '$(service)' --profile '$(profile)' --preset '$(preset)' --context '$(context)' \
		--release '$(release)' --namespace '$(namespace)' $(if $(filter-out 0 false no,$(print)),--print)

.PHONY: fuzz
fuzz: setup ## schemathesis over every service's /openapi.json, all checks, chaos off (SCHEMATHESIS=, FUZZ_EXAMPLES=, FUZZ_SEED=)
	node tools/fuzz.ts

.PHONY: images
images: setup ## Build every service's image on a private Docker engine from a local base (tools/images/; as root)
	tools/images/build.sh

# --- Kubernetes on a laptop: kind, the releases of k8s/, the scenarios through port-forwards --------
# TEMPORAL_MODE=chart (the Temporal chart on PostgreSQL) or dev (one `temporal server start-dev` pod).
TEMPORAL_MODE ?= chart
K8S_SCENARIOS := happy approval reject cancel timeout compensation chaos check
K8S := tools/k8s

.PHONY: kind-up kind-down charts k8s-deploy k8s-port-forward k8s-port-forward-stop k8s-status \
	$(addprefix k8s-scenario-,$(K8S_SCENARIOS))

kind-up: ## Create the kind cluster (kind-config.yaml) and its local registry on 127.0.0.1:5001 (tools/k8s/kind-up.sh)
	@$(K8S)/kind-up.sh

kind-down: ## Delete the kind cluster and the registry container (port-forwards stopped first)
	@$(K8S)/port-forward.sh stop
	kind delete cluster --name fake-stripe
	@docker rm -f kind-registry >/dev/null 2>&1 || true

charts: setup ## Pull the pinned third-party charts (k8s/charts.yaml) into .tools/charts (needs their repositories)
	@node $(K8S)/charts.ts pull

k8s-deploy: setup ## Build and kind-load the images, install PostgreSQL, Temporal (TEMPORAL_MODE=chart|dev), monitoring, Jaeger, our chart; wait for each
	@TEMPORAL_MODE=$(TEMPORAL_MODE) $(K8S)/deploy.sh

k8s-port-forward: ## Port-forward the API (127.0.0.1:13002), domains, worker metrics, Temporal frontend, in the background
	@$(K8S)/port-forward.sh start

k8s-port-forward-stop: ## Stop the port-forwards of k8s-port-forward
	@$(K8S)/port-forward.sh stop

# k8s-scenario-<name> (listed by make help): the scenario CLI through the port-forwards.
$(addprefix k8s-scenario-,$(K8S_SCENARIOS)): k8s-scenario-%: setup
	@$(K8S)/scenario.sh $* $(if $(filter chaos,$*),--count $(N))

k8s-status: ## The cluster's releases, pods and Services (namespaces fake-stripe and monitoring)
	@helm --kube-context kind-fake-stripe list --all-namespaces
	@kubectl --context kind-fake-stripe get pods,services --namespace fake-stripe
	@kubectl --context kind-fake-stripe get pods --namespace monitoring
