#!/usr/bin/env bash
# Installs every build and test dependency of llmopt from Debian 12 packages,
# then the pinned npm test clients of tests/npm (npm ci). Idempotent: packages
# already installed are skipped, and so is npm ci while tests/npm/node_modules
# matches the lock. Uses sudo when not run as root.
#
# With --build-only: only what building the llmopt binary needs (the
# container image's build stage, deploy/Dockerfile), no test tools, no npm.
set -euo pipefail

build_only=0
case "${1:-}" in
  "") ;;
  --build-only) build_only=1 ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

build_packages=(
  build-essential cmake pkg-config git ca-certificates
  libcaf-dev
  librdkafka-dev
  nlohmann-json3-dev libsimdjson-dev
  libsqlite3-dev
  libssl-dev  # libcrypto: SHA-256, random API keys, constant-time comparison
  catch2      # CMake finds it when configuring, even to build the binary alone
  libcurl4-openssl-dev
  libboost-dev
  libtomlplusplus-dev
  libcli11-dev
  libspdlog-dev libfmt-dev
  libhiredis-dev  # the response cache's L2
  prometheus-cpp-dev  # GET /metrics: registry, metric types, text format
)

test_packages=(
  kcat sqlite3 curl
  redis-server  # the response cache's L2, for its tests
  clang libclang-rt-14-dev
  chromium  # headless: renders the `llmopt simulate --html` report in e2e tests
  python3-yaml  # parses every YAML file of deploy/ (tests/deploy)
  systemd       # systemd-analyze verifies deploy/llmopt.service; nothing is started
  prometheus    # promtool checks deploy/prometheus.yml and GET /metrics
)

packages=("${build_packages[@]}")
if [ "$build_only" -eq 0 ]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
apt_updated=0

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  apt_updated=1
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$build_only" -eq 1 ]; then
  exit 0
fi

# -- npm: the providers' official clients, which check provider-sim's wire
# formats (tests/npm, tests/e2e/sim_clients_test.cpp), and ajv, which checks
# signals/schemas (tests/e2e/signal_schemas_test.cpp). Node and npm come
# from Debian when the machine has none (a Node already installed, e.g. a
# newer one, is kept: the pinned clients need Node >= 20). The clients are
# installed from the committed lock into tests/npm/node_modules, and only
# when that lock changed since the last install.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm"
  if [ "$apt_updated" -eq 0 ]; then $sudo apt-get update -qq; fi
  $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: warning: Node $(node --version) is older than 20, which the pinned" \
       "npm clients in tests/npm need" >&2
fi

npm_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/npm"
stamp="$npm_dir/node_modules/.llmopt-lock.sha256"
lock_sum=$(sha256sum "$npm_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "install-deps: npm ci in $npm_dir"
  # No install scripts: the clients are plain JavaScript and need none.
  npm ci --prefix "$npm_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi
