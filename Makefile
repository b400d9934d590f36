# The two entry points of the README. Both install missing dependencies first.
BUILD ?= build
JOBS ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
CONFIG ?= config/llmopt.example.toml

.PHONY: deps build run test clean format

deps:
	@./deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/llmopt serve --config $(CONFIG)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

# libFuzzer run of the signal adapters (tests/fuzz/README.md), clang + ASan/UBSan
# in its own build tree. FUZZ_SECONDS=30 for a short run. Replays
# tests/fuzz/regressions first; seeds are copied (with the regressions) into
# $(FUZZ_BUILD)/corpus, which keeps what the fuzzer adds; crashes go to
# $(FUZZ_BUILD)/artifacts. Non-zero exit on a crash.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SEEDS := tests/adapters/signals/corpus
FUZZ_REGRESSIONS := $(wildcard tests/fuzz/regressions/*)
FUZZ_RUN := UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/signal_parser_fuzz \
  -artifact_prefix=$(FUZZ_BUILD)/artifacts/

.PHONY: fuzz

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DLLMOPT_FUZZ=ON -DLLMOPT_WERROR=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(FUZZ_BUILD) --target signal_parser_fuzz -j$(JOBS)
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/artifacts
	@find $(FUZZ_SEEDS) tests/fuzz/regressions -type f | while read -r f; do \
	  cp "$$f" "$(FUZZ_BUILD)/corpus/seed-$$(echo "$${f#tests/}" | tr / -)"; done
	$(if $(FUZZ_REGRESSIONS),$(FUZZ_RUN) $(FUZZ_REGRESSIONS))
	$(FUZZ_RUN) $(FUZZ_BUILD)/corpus -dict=tests/fuzz/signal.dict -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=70000 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
