#!/usr/bin/env bash
# `make run`: the hub on its embedded default (SQLite under var/, local-memory
# cache, eager Celery) with the province simulator beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HUB_PORT=${HUB_PORT:-8000}
SIM_PORT=${PROVINCE_SIMULATOR_PORT:-8001}
export PROVINCE_SIMULATOR_PORT=$SIM_PORT
# Consent notices link back to the patient pages on this port.
export PATIENT_PAGES_BASE_URL=${PATIENT_PAGES_BASE_URL:-http://127.0.0.1:$HUB_PORT}
mkdir -p var
# ffmpeg (ffprobe checks the joint-test recordings): installed when missing and root.
bash scripts/sysdeps.sh run || true
$BIN/python manage.py compilemessages --ignore=.venv -v 0 2>/dev/null || true
$BIN/python manage.py migrate --noinput -v 0
$BIN/python manage.py seed_demo
$BIN/python manage.py run_province --port "$SIM_PORT" >var/province-sim.log 2>&1 &
SIM_PID=$!
# No broker in the embedded default: the beat schedule runs in-process
# (province sync retries, consent expiry, audit sealing, complaint sweeps).
$BIN/python manage.py run_periodic >var/periodic.log 2>&1 &
PERIODIC_PID=$!
trap 'kill $SIM_PID $PERIODIC_PID 2>/dev/null || true' EXIT INT TERM
cat <<INFO

  The city health-information sharing hub is running (embedded default).

  Hub API            http://127.0.0.1:$HUB_PORT/api/v1/   (signed x-tif requests)
  Compatible relay   http://127.0.0.1:$HUB_PORT/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save
  API docs           http://127.0.0.1:$HUB_PORT/api/docs/
  Patient pages      http://127.0.0.1:$HUB_PORT/me/
  Back office        http://127.0.0.1:$HUB_PORT/admin/    (password + TOTP)
  Province simulator http://127.0.0.1:$SIM_PORT/           (log: var/province-sim.log)
  SMS messages       var/sms.jsonl
  Periodic tasks     var/periodic.log                     (in-process beat: no broker)

  Demo hospital A   orgCode 455404482 测试机构名称
    system HIS      paasid hosp-a      paastoken hosp-a-token      appId hosp-a-app
                    SM4 key 0123456789abcdeffedcba9876543210
    system EMR      paasid hosp-a-emr  paastoken hosp-a-emr-token  appId hosp-a-emr-app
                    SM4 key 00112233445566778899aabbccddeeff
  Demo hospital B   orgCode 455404483 演示第二医院
    system EMR      paasid hosp-b      paastoken hosp-b-token      appId hosp-b-app
                    SM4 key fedcba98765432100123456789abcdef
  Viewer entry      http://127.0.0.1:$HUB_PORT/viewer?param=<SM4 hex>&appId=<system appId>
  Province account  paasid demo-paasid  paastoken demo-paastoken  appId ff8080818ab5cf57018b3bb2a4af0004
                    SM4 key 33edd0637a6cbd8e7d057fbc0944d621  callSysCode zhspt
  First admin       .venv/bin/python manage.py createsuperuser, then .venv/bin/python manage.py otp_enroll USERNAME

INFO
# DEBUG is off (its pages would show settings and cookies), so runserver is
# told to serve the static files itself (--insecure): this is the local,
# embedded default; production serves them from nginx.
exec $BIN/python manage.py runserver "0.0.0.0:$HUB_PORT" --noreload --insecure
