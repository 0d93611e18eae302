#!/usr/bin/env bash
# Installs the system libraries and tools likeness needs, only where they are missing.
# Each part lives in scripts/system/*.sh and is sourced in name order; a part adds Debian
# packages with need_deb and may define more steps. Parts named NN-test-*.sh are needed only by
# the tests: `system-deps.sh runtime` skips them. Runs as root (or with sudo) on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need_deb() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
after_apt=()

for part in scripts/system/*.sh; do
  if [ "${1:-}" = runtime ] && [[ "$part" == */[0-9][0-9]-test-* ]]; then
    continue
  fi
  # shellcheck source=/dev/null
  source "$part"
done

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "system-deps: please install these packages: ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for step in "${after_apt[@]}"; do
  "$step"
done
