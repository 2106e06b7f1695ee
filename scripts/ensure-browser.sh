#!/usr/bin/env bash
# Installs headless Chromium and a Chinese font for the browser tests, where apt exists.
set -u
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wqy"; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing chromium and fonts-wqy-microhei for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium fonts-wqy-microhei >/dev/null) || echo "warning: could not install chromium" >&2
else
  echo "note: chromium is not installed and apt is not available; browser tests will skip" >&2
fi
exit 0
