#!/usr/bin/env bash
# The browser tests (tests/browser) drive Debian's Chromium at /usr/bin/chromium with
# Playwright (which cannot download browsers here). Install it when missing and we may.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Chromium for the browser tests (apt-get install -y chromium)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium is not installed at /usr/bin/chromium: tests/browser will fail." >&2
echo "fix: sudo apt-get install -y chromium (Debian/Ubuntu), then make test again" >&2
