#!/usr/bin/env bash
# The main job, end to end: set everything up, create a database with realistic
# demo data, run the weekly reminder job once against a local SMTP server that
# saves every message as an .eml file, print what was sent to whom, then serve
# Odoo at http://localhost:8069 (login admin / admin).
#   DEMO_NO_SERVE=1 scripts/demo.sh   # stop after the run instead of serving
#   DEMO_HTTP_INTERFACE=0.0.0.0        # serve beyond this machine (default 127.0.0.1)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

prepare_odoo_run
PYBIN="$VENV/bin/python"
DB="${DEMO_DB:-invoice_reminders_demo}"
DEMO_DIR="${DEMO_DIR:-$ROOT/.demo}"
SMTP_PORT="${DEMO_SMTP_PORT:-2525}"
HTTP_PORT="${DEMO_HTTP_PORT:-8069}"
rm -rf "$DEMO_DIR/mail"
mkdir -p "$DEMO_DIR/mail"

ODOO_OPTS=(--addons-path="$ODOO_PATH/addons,$ROOT" --db_host=127.0.0.1 --db_port="$PGPORT"
           --db_user="$PGUSER_NAME" -d "$DB" --without-demo=True --data-dir="$DEMO_DIR/filestore"
           --http-port="$HTTP_PORT" --http-interface="${DEMO_HTTP_INTERFACE:-127.0.0.1}" --max-cron-threads=0)

log "Fresh database $DB"
"$(pg_bindir)/dropdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" --if-exists "$DB"
"$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" "$DB"
log "Installing Odoo accounting (with online payment and its demo provider) and invoice_reminders"
"$PYBIN" "$ODOO_PATH/odoo-bin" "${ODOO_OPTS[@]}" -i account,account_payment,payment_demo,invoice_reminders --stop-after-init \
    --log-level=warn --logfile="$DEMO_DIR/install.log"

log "Starting the local SMTP server on 127.0.0.1:$SMTP_PORT"
"$PYBIN" "$ROOT/scripts/smtp_sink_server.py" --port "$SMTP_PORT" --dir "$DEMO_DIR/mail" &
SMTP_PID=$!
trap 'kill $SMTP_PID 2>/dev/null || true' EXIT
sleep 1

log "Demo data, the weekly run and the mail queue"
"$PYBIN" "$ROOT/scripts/demo_run.py" --odoo-path "$ODOO_PATH" --smtp-port "$SMTP_PORT" \
    --mail-dir "$DEMO_DIR/mail" -- "${ODOO_OPTS[@]}" --logfile="$DEMO_DIR/run.log"

if [ -n "${DEMO_NO_SERVE:-}" ]; then
    exit 0
fi
log "Serving Odoo at http://localhost:$HTTP_PORT  (login: admin, password: admin; Ctrl-C to stop)"
"$PYBIN" "$ODOO_PATH/odoo-bin" "${ODOO_OPTS[@]}" --log-level=warn
