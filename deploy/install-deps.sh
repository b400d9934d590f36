#!/usr/bin/env bash
# Installs every build and test dependency of llmopt from Debian 12 packages.
# Idempotent: packages already installed are skipped; nothing runs when all are
# present. Uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcaf-dev
  librdkafka-dev kcat
  nlohmann-json3-dev libsimdjson-dev
  libsqlite3-dev sqlite3
  catch2
  libcurl4-openssl-dev curl
  libboost-dev
  libtomlplusplus-dev
  libcli11-dev
  libspdlog-dev libfmt-dev
  clang libclang-rt-14-dev
  chromium  # headless: renders the `llmopt simulate --html` report in e2e tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
