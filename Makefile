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
