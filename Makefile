# meshbatch — run `make help` for the targets.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
STATICCHECK_VERSION := v0.8.2
CI_FUZZTIME ?= 10s

.PHONY: help build demo test unit check e2e e2e-tools golden docs bench bench-compare fuzz clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

build: ## build bin/meshbatch, bin/meshbatch-facts (what `meshbatch facts` runs) and bin/meshbatch-render (what lint runs for charts and kustomizations)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/meshbatch ./cmd/meshbatch
	$(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o bin/meshbatch-facts ./cmd/meshbatch-facts
	$(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o bin/meshbatch-render ./cmd/meshbatch-render

demo: ## generate the manifests of the shipped example, then lint them
	$(GO) run ./cmd/meshbatch generate -f examples/etl-daily.yaml
	$(GO) run ./cmd/meshbatch generate -f examples/etl-daily.yaml | $(GO) run ./cmd/meshbatch lint --istio-version 1.28 --kubernetes-version 1.31 -

test: check unit e2e ## everything CI runs: static checks, unit and golden tests, validation against a real API server

unit: ## unit, golden and CLI script tests, determinism, a short run of every fuzz target
	$(GO) test -count=1 ./...
	$(GO) test -count=20 -run 'TestGolden|TestDeterministic' ./pkg/generate
	FUZZTIME=$(CI_FUZZTIME) hack/fuzz.sh

check: ## gofmt, go mod tidy, go vet, staticcheck (the module and the hack/ helpers' own)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd hack && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

e2e: ## validate every generated manifest with kube-apiserver + Istio's webhook validation
	hack/e2e.sh

e2e-tools: ## build etcd and kube-apiserver into .cache/ (done by e2e on first use)
	hack/e2e-tools.sh

golden: ## rewrite golden files and docs/facts.schema.json (read every diff before committing)
	$(GO) test ./pkg/generate/... ./pkg/config/... ./pkg/lint/... ./pkg/fix/... ./cmd/meshbatch/... -update

docs: ## regenerate docs/rules and docs/cli from the binary
	$(GO) run ./cmd/meshbatch docs --dir docs

bench: ## Go benchmarks of lint at 1k, 10k and 100k objects
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/lint/...

bench-compare: ## meshbatch lint vs the decode floor (and istioctl when on PATH), default and findings-heavy corpora; BASE=REV runs that revision's lint in turn
	hack/bench-compare.sh

fuzz: ## run every fuzz target for FUZZTIME each (default 30s; make unit runs each for 10s)
	hack/fuzz.sh

clean:
	rm -rf bin
