#!/usr/bin/env bash
# Prints the Debian packages holding the shared libraries BINARY loads
# (ldd's list, so the libraries' own dependencies too), one per line, sorted:
# what the container image's runtime stage installs (deploy/Dockerfile), so
# that no hand-kept list can fall behind the libraries the build links.
# Run it on the Debian release the binary was built on. Fails, naming the
# library, when one is not found or belongs to no package.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi
binary=$1

# The package that holds `lib`. dpkg knows a file by the path its package
# ships, which under Debian 12's merged /usr may be /lib/... or /usr/lib/...
# whichever ldd printed, and which may be the versioned file ldd's name
# links to: try each spelling.
owner() {
  local lib=$1 real out c candidates=()
  real=$(readlink -f "$lib")
  for c in "$lib" "$real"; do
    candidates+=("$c" "${c#/usr}" "/usr$c")
  done
  for c in "${candidates[@]}"; do
    if out=$(dpkg-query -S "$c" 2>/dev/null); then
      # "libfoo1:amd64: /usr/lib/x86_64-linux-gnu/libfoo.so.1" -> libfoo1
      echo "${out%%:*}"
      return 0
    fi
  done
  return 1
}

listing=$(ldd "$binary") || { echo "runtime-packages: ldd $binary failed" >&2; exit 1; }
status=0
packages=()
while read -r line; do
  case "$line" in
    *"not found"*)
      echo "runtime-packages: $binary needs ${line%% *}, which is not found" >&2
      status=1
      continue ;;
    *" => "*) lib=${line#* => }; lib=${lib%% (*} ;;  # libfoo.so.1 => /path (0x...)
    /*) lib=${line%% (*} ;;                          # the dynamic loader: /path (0x...)
    *) continue ;;                                    # linux-vdso.so.1: in the kernel
  esac
  if pkg=$(owner "$lib"); then
    packages+=("$pkg")
  else
    echo "runtime-packages: $lib belongs to no Debian package" >&2
    status=1
  fi
done <<< "$listing"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
printf '%s\n' "${packages[@]}" | sort -u
