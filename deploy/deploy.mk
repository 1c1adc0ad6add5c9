# Kubernetes manifests (deploy/k8s). `make test-deploy` (part of `make test`) renders every
# overlay with kustomize and checks it offline: Kubernetes' OpenAPI schemas, the vendored
# KEDA and Prometheus Operator CRDs, and the properties the server relies on (probes,
# shutdown timing, threads, GPU, autoscaling on the queue gauges). No cluster needed.

.PHONY: test-deploy deploy-deps

DEPLOY_STAMP := $(VENV)/.deploy-deps
KUSTOMIZE_VERSION := v5.5.0

TEST_TARGETS += test-deploy

$(DEPLOY_STAMP): deploy/requirements.txt $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -r deploy/requirements.txt
	@touch $@

# The tests render with kubectl's built-in kustomize, or a kustomize on PATH; on a machine
# with neither, kustomize is built from its Go module into the venv (a few minutes, once).
$(BIN)/kustomize:
	GOBIN=$(abspath $(BIN)) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

DEPLOY_KUSTOMIZE := $(if $(shell command -v kubectl || command -v kustomize),,$(BIN)/kustomize)

deploy-deps: install $(DEPLOY_STAMP) $(DEPLOY_KUSTOMIZE)

test-deploy: deploy-deps
	$(BIN)/ruff check deploy
	$(BIN)/ruff format --check deploy
	MYPYPATH=server $(BIN)/mypy --strict deploy/tests
	@$(call run_pytest,deploy/tests)
