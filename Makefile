# A thin layer over CMake and the project's scripts. On a fresh machine:
#   make demo   # the simulated 3-pod cluster, end to end
#   make test   # installs what it needs, builds, runs every test
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure
# ctest (with the given -L LABEL), then one line per label: passed, failed,
# skipped, time (tests/lib/ctest_summary.py reads ctest's JUnit file).
CTEST = $(call CTEST_IN,$(BUILD),$(1))
CTEST_IN = cd $(1) && { ctest $(CTEST_FLAGS) --no-label-summary \
          --output-junit ctest-junit.xml $(2); rc=$$?; \
        python3 $(CURDIR)/tests/lib/ctest_summary.py . ctest-junit.xml; exit $$rc; }

.PHONY: all deps build test unit integration faults quorum e2e lint manifests demo \
        asan tsan bench image format clean fuzz

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The image the demo and the e2e tests run the agent's containers from
# (unpacked into each simulated pod, read-only, uid 65532; Kafka's containers
# run from the jars).
AGENT_IMAGE = $(abspath $(BUILD))/kafka-agent-image.oci.tar
test demo e2e: export E2E_AGENT_IMAGE = $(AGENT_IMAGE)

# Everything: unit tests, the real binary on bad input, real Kafka, simulated
# pods from the built image, manifests; then the ASan+UBSan stage (below).
test: deps build image
	$(call CTEST)
	$(MAKE) --no-print-directory asan

unit: build
	$(call CTEST,-L unit)

integration: deps build
	$(call CTEST,-L integration)

faults: deps build
	$(call CTEST,-L faults)

quorum: deps build
	$(call CTEST,-L quorum)

e2e: deps build image
	$(call CTEST,-L e2e)

lint:
	tests/lint/shell_lint.sh

manifests: deps
	tests/manifests/validate.sh

demo: deps build image
	tests/e2e/demo.sh $(BUILD)/kafka-agent $(BUILD)/tests/kafka-test-tool

# Sanitizer builds. ASan+UBSan (part of make test) runs every unit test (gRPC
# server included) and the integration tests that drive the agent binary
# against real Kafka and a real resolver: init's DNS wait, serve with three
# agents on a 3-node cluster (SIGTERM, SASL), the wire client, the
# properties round trip. TSan runs the agent's own threading (snapshot store,
# poller, topic configs, health) under stress. The gRPC server tests are left
# out of TSan: Debian's libgrpc is not instrumented, so TSan cannot see
# gRPC's own hand-offs and reports hundreds of false races there.
ASAN_INTEGRATION = ^(dns_wait|serve_isr|java_props|wire_client)$$
asan:
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DKAFKA_AGENT_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	$(call CTEST_IN,build-asan,-L unit)
	$(call CTEST_IN,build-asan,-R '$(ASAN_INTEGRATION)')

tsan:
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DKAFKA_AGENT_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ./tests/unit_tests \
	  --gtest_filter='ConcurrencyTest.*:PollerTest.*:SnapshotStoreTest.*:HealthPublisherTest.*:TopicConfigsTest.*'

# A longer libFuzzer run over the Kafka wire client's decoders (clang).
FUZZ_SECONDS ?= 600
fuzz:
	for t in wire_decode_fuzzer config_fuzzer snapshot_fuzzer; do \
	  tests/fuzz/run.sh $(CURDIR) $(CURDIR)/$(BUILD) $(FUZZ_SECONDS) $$t || exit 1; \
	done

bench: deps build
	bench/run.sh

# The container image: build/kafka-agent-image.oci.tar and .docker.tar. With
# docker or podman, from container/Dockerfile; without, with buildah from the
# binary built here (nothing rebuilt when nothing changed). See container/.
image: build
	container/build-image.sh --binary $(BUILD)/kafka-agent --out $(BUILD)

format:
	clang-format -i agent/*/*.h agent/*/*.cc tests/unit/*.h tests/unit/*/*.h tests/unit/*/*.cc tests/cli/*.cc \
	  tests/fuzz/*.cc tests/tools/kafka_wire_tool.cc

clean:
	rm -rf $(BUILD) build-asan build-tsan
