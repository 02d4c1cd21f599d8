# synth-jack: `make run` plays the demo patch, `make test` runs every check CI runs.
CARGO ?= cargo
export DEBIAN_FRONTEND := noninteractive

.PHONY: run test deps test-deps build bench soak fmt clippy

deps:
	@jack-config/install-deps.sh

test-deps:
	@WITH_TEST_TOOLS=1 jack-config/install-deps.sh

build: deps
	$(CARGO) build --release

run: build
	@jack-config/run-demo.sh $(ARGS)

test: test-deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --features fault-injection -- -D warnings
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	CARGO=$(CARGO) jack-config/run-tests.sh

bench: test-deps
	bench/run.sh

soak: test-deps
	bench/soak.sh
