#!/usr/bin/env bash
# Install the Debian packages the hub and its test suite need, only when they
# are missing (`make sysdeps`, `make test`). `sysdeps.sh run` (called by
# `make run`) installs only what the running hub needs: ffmpeg.
set -u
need=()
# ffprobe checks the joint-test screen recording (hospitals/joint_test.py).
command -v ffprobe >/dev/null || need+=(ffmpeg)
if [ "${1:-}" != run ]; then
  command -v msgfmt >/dev/null || need+=(gettext)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
  command -v chromium >/dev/null || need+=(chromium)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
      echo "could not install: ${need[*]} (the joint-test recording check, the browser, chart and compose tests need them)" >&2
      exit 1
    fi
  else
    echo "missing system packages (install them): ${need[*]}" >&2
  fi
fi
exit 0
