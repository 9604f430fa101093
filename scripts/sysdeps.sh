#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when they are missing.
set -u
need=()
command -v msgfmt >/dev/null || need+=(gettext)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
      echo "could not install: ${need[*]} (the browser, chart and compose tests need them)" >&2
      exit 1
    fi
  else
    echo "missing system packages (install them): ${need[*]}" >&2
  fi
fi
exit 0
