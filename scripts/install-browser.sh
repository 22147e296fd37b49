#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/browser). Idempotent: skipped when
# /usr/bin/chromium exists. Browser builds cannot be downloaded from the web here: Debian's package only.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "install-browser: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
/usr/bin/chromium --version
