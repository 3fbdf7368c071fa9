# khp: the two commands of the README, and the rest.
#   make demo    the main job on this machine (installs what is missing first)
#   make test    every test of every module, Java and C (installs what is missing first)
#   make bench   every benchmark; each prints its figures
#   make fuzz    every libFuzzer harness of the C in kmodule/, FUZZ_SECONDS each (default 180)

MVN := ./mvnw -B
BENCHES := $(patsubst infra/commands/bench-%,%,$(wildcard infra/commands/bench-*))

.PHONY: setup test demo bench fuzz build clean

setup:
	@infra/setup

build: setup
	$(MVN) -q install -DskipTests

test: setup
	$(MVN) verify

demo: setup
	@infra/demo

bench: build
	@set -e; for b in $(BENCHES); do echo "== khp bench $$b"; ./khp bench $$b; done

fuzz: setup
	$(MAKE) -C kmodule fuzz

clean:
	$(MVN) -q clean
	$(MAKE) -C kmodule clean
