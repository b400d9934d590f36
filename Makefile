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

# libFuzzer runs (tests/fuzz/README.md), clang + ASan/UBSan in their own build
# tree: the signal adapters, the request path, the configuration's
# text and the records instances share, each for FUZZ_SECONDS
# (FUZZ_SECONDS=30 for a short run). Each target replays its regressions
# first; its seeds are copied (with the regressions) into its corpus under
# $(FUZZ_BUILD), which keeps what the fuzzer adds; crashes go to
# $(FUZZ_BUILD)/artifacts. Stops with a non-zero exit at the first crash.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_LIMITS = -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
# signal_parser_fuzz: the Kafka signal corpus; regressions/ (files at its top).
FUZZ_SEEDS := tests/adapters/signals/corpus
FUZZ_REGRESSIONS := $(filter-out %/request_path,$(wildcard tests/fuzz/regressions/*))
FUZZ_RUN := UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/signal_parser_fuzz \
  -artifact_prefix=$(FUZZ_BUILD)/artifacts/
# request_path_fuzz: the wire fixtures whole, and their pieces routed to the
# operation that reads them by the fuzzer's own -extract_seeds (which knows
# its input encoding); regressions/request_path/.
FUZZ_RP_FIXTURES := tests/adapters/providers/fixtures
FUZZ_RP_CORPUS = $(FUZZ_BUILD)/corpus-request-path
# config_fuzz: the shipped configurations.
FUZZ_CONFIG_CORPUS = $(FUZZ_BUILD)/corpus-config
# shared_topics_fuzz: decisions, instance reports and checkpoint records, as
# the topics the instances share carry them. ledger_reply_fuzz: Redis's
# answers to the shared ledger, as hiredis reads them.
FUZZ_SHARED_CORPUS = $(FUZZ_BUILD)/corpus-shared-topics
FUZZ_RP_REGRESSIONS := $(wildcard tests/fuzz/regressions/request_path/*)
FUZZ_RP_RUN = UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/request_path_fuzz \
  -artifact_prefix=$(FUZZ_BUILD)/artifacts/request_path-

.PHONY: fuzz

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DLLMOPT_FUZZ=ON -DLLMOPT_WERROR=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(FUZZ_BUILD) --target signal_parser_fuzz request_path_fuzz config_fuzz \
	  shared_topics_fuzz ledger_reply_fuzz -j$(JOBS)
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_RP_CORPUS) $(FUZZ_CONFIG_CORPUS) $(FUZZ_SHARED_CORPUS) \
	  $(FUZZ_BUILD)/artifacts
	@find $(FUZZ_SEEDS) tests/fuzz/regressions -type f -not -path '*/request_path/*' | \
	  while read -r f; do cp "$$f" "$(FUZZ_BUILD)/corpus/seed-$$(echo "$${f#tests/}" | tr / -)"; done
	$(if $(FUZZ_REGRESSIONS),$(FUZZ_RUN) $(FUZZ_REGRESSIONS))
	$(FUZZ_RUN) $(FUZZ_BUILD)/corpus -dict=tests/fuzz/signal.dict $(FUZZ_LIMITS) -max_len=70000
	@{ find $(FUZZ_RP_FIXTURES) -name '*.json'; find tests/fuzz/regressions/request_path -type f; } | \
	  while read -r f; do cp "$$f" "$(FUZZ_RP_CORPUS)/seed-$$(echo "$${f#tests/}" | tr / -)"; done
	@$(FUZZ_BUILD)/request_path_fuzz -extract_seeds=$(FUZZ_RP_CORPUS) \
	  $$(find $(FUZZ_RP_FIXTURES) -name '*.json')
	$(if $(FUZZ_RP_REGRESSIONS),$(FUZZ_RP_RUN) $(FUZZ_RP_REGRESSIONS))
	$(FUZZ_RP_RUN) $(FUZZ_RP_CORPUS) -dict=tests/fuzz/request_path.dict $(FUZZ_LIMITS) \
	  -max_len=32768
	@cp config/*.toml deploy/*.toml $(FUZZ_CONFIG_CORPUS)/
	UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/config_fuzz -artifact_prefix=$(FUZZ_BUILD)/artifacts/config- \
	  $(FUZZ_CONFIG_CORPUS) $(FUZZ_LIMITS) -max_len=16384
	@cp tests/fuzz/shared_topics/*.json $(FUZZ_SHARED_CORPUS)/
	UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/shared_topics_fuzz \
	  -artifact_prefix=$(FUZZ_BUILD)/artifacts/shared-topics- $(FUZZ_SHARED_CORPUS) $(FUZZ_LIMITS) \
	  -max_len=16384
	@mkdir -p $(FUZZ_BUILD)/corpus-ledger && cp tests/fuzz/ledger_replies/* $(FUZZ_BUILD)/corpus-ledger/
	UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/ledger_reply_fuzz -artifact_prefix=$(FUZZ_BUILD)/artifacts/ledger- \
	  $(FUZZ_BUILD)/corpus-ledger $(FUZZ_LIMITS) -max_len=4096
