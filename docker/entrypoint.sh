#!/bin/sh
# Entry point of the hub image.
#   web            gunicorn (docker/gunicorn.conf.py) on :8000
#   worker         a Celery worker
#   beat           Celery beat (run exactly one in the whole deployment)
#   migrate        apply database migrations, then exit
#   manage ARGS    any management command (createsuperuser, otp_enroll...)
#   anything else  run as given
set -eu

prepare_metrics_dir() {
  # Prometheus multiprocess files of a previous run would be added to this
  # run's counts: start from an empty directory.
  if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete 2>/dev/null || true
  fi
}

wait_for_database() {
  # Up to HUB_DB_WAIT_SECONDS (default 60) for PostgreSQL to accept connections.
  python - <<'PY'
import os, sys, time
import django
django.setup()
from django.db import connection
deadline = time.monotonic() + float(os.environ.get("HUB_DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except Exception as exc:
        if time.monotonic() > deadline:
            sys.exit(f"database not reachable: {exc.__class__.__name__}")
        time.sleep(1)
PY
}

command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    prepare_metrics_dir
    if [ "${HUB_MIGRATE_ON_START:-false}" = "true" ]; then
      wait_for_database
      django-admin migrate --noinput
    fi
    exec gunicorn --config /etc/hub/gunicorn.conf.py "$@" hub.wsgi:application
    ;;
  worker)
    prepare_metrics_dir
    exec celery --app hub.celery worker \
      --concurrency "${CELERY_CONCURRENCY:-2}" --loglevel "${LOG_LEVEL:-INFO}" "$@"
    ;;
  beat)
    exec celery --app hub.celery beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule /var/lib/hub/beat/celerybeat-schedule "$@"
    ;;
  migrate)
    wait_for_database
    exec django-admin migrate --noinput "$@"
    ;;
  manage)
    exec django-admin "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
