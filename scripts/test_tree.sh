#!/usr/bin/env bash
# The Odoo part of the test suite on ONE Odoo tree (ODOO_PATH), called by
# scripts/run_tests.sh for each tree:
#   1. on a fresh database of the private PostgreSQL cluster: install Odoo's
#      accounting, post invoices as a live company has them, install the add-on
#      and the bridges (invoice_reminders_sms), run every Odoo test of them
#      (--test-enable, tours in headless Chromium); install the tree's queue_job
#      release and invoice_reminders_queue and run the bridge's tests; uninstall
#      the add-on (and the bridges with it) and check that nothing is left;
#   2. the upgrade test (scripts/upgrade_test.sh) where it applies (IR_UPGRADE);
#   3. judge the logs (scripts/check_log.py): a test failed or any WARNING or
#      ERROR logged fails the tree; one result line goes to $IR_RESULTS.
# Environment (run_tests.sh sets them):
#   ODOO_PATH        the tree
#   IR_LOGDIR        the tree's log folder
#   IR_TEST_DB       the database (the queue bridge's tests add _runners)
#   IR_TEST_HTTP_PORT, IR_UPGRADE_DB, IR_UPGRADE_HTTP_PORT
#   IR_UPGRADE       yes / no: run the upgrade test on this tree
#   IR_RESULTS       the file that gathers one result line per tree
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
use_odoo_tree "$ODOO_PATH"

ensure_system_packages
ensure_venv
# --- bridge add-ons -------------------------------------------------------------
# Optional add-ons next to invoice_reminders/ that bridge it to another Odoo module:
# installed and tested with it, and uninstalled with it (linted by run_tests.sh).
BRIDGES=()
BRIDGES+=(invoice_reminders_sms)  # SMS through Odoo's sms module
BRIDGE_MODULES=$(IFS=,; echo "${BRIDGES[*]}")
BRIDGE_TAGS=$(printf ',/%s' "${BRIDGES[@]}")
# --- end of bridge add-ons --------------------------------------------------------
PYBIN="$VENV/bin/python"
LOGDIR="${IR_LOGDIR:-$ROOT/.test-logs/$TREE_LABEL}"
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log "$LOGDIR/upgrade-summary.txt"
log "Odoo $ODOO_SERIES at $ODOO_PATH, queue_job $QUEUE_JOB_VERSION, virtualenv $VENV, logs in $LOGDIR"

start_postgres
DB="${IR_TEST_DB:-invoice_reminders_test_$TREE_LABEL}"
ODOO_OPTS=(--addons-path="$ODOO_PATH/addons,$ROOT"
      --db_host=127.0.0.1 --db_port="$PGPORT" --db_user="$PGUSER_NAME"
      -d "$DB" --without-demo=True --http-interface=127.0.0.1 --max-cron-threads=0
      --http-port="${IR_TEST_HTTP_PORT:-18069}" --data-dir="$STATE_DIR/filestore-test")
ODOO=("$PYBIN" "$ODOO_PATH/odoo-bin" "${ODOO_OPTS[@]}" --stop-after-init)

log "Fresh database $DB"
"$(pg_bindir)/dropdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" --if-exists "$DB"
"$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" "$DB"

log "Installing Odoo's accounting (dependencies)"
"${ODOO[@]}" -i account,mail,portal,account_payment,payment_demo --log-level=warn --logfile="$LOGDIR/odoo-base.log" || true

log "Posting invoices before the add-on exists (as in a live company)"
"$PYBIN" "$ODOO_PATH/odoo-bin" shell "${ODOO_OPTS[@]}" --no-http --log-level=warn \
    --logfile="$LOGDIR/odoo-base.log" < "$ROOT/scripts/preinstall_invoices.py"

log "Installing invoice_reminders and running its tests"
set +e
"${ODOO[@]}" -i "invoice_reminders,$BRIDGE_MODULES" --test-enable \
    --test-tags="${IR_TEST_TAGS:-/invoice_reminders$BRIDGE_TAGS}" \
    --log-level=info --logfile="$LOGDIR/odoo-test.log"
odoo_rc=$?

# --- invoice_reminders_queue: the bridge to OCA's queue_job (same log, same database)
log "Installing queue_job $QUEUE_JOB_VERSION and invoice_reminders_queue, and running the bridge's tests"
"${ODOO[@]}" -i queue_job,invoice_reminders_queue --test-enable \
    --test-tags="${IR_QUEUE_TEST_TAGS:-/invoice_reminders_queue}" \
    --log-level=info --logfile="$LOGDIR/odoo-test.log"
odoo_rc=$(( odoo_rc || $? ))
# --- end of invoice_reminders_queue

log "Uninstalling invoice_reminders"
"$PYBIN" "$ODOO_PATH/odoo-bin" shell "${ODOO_OPTS[@]}" --no-http --log-level=info \
    --logfile="$LOGDIR/odoo-uninstall.log" \
    < "$ROOT/scripts/uninstall_check.py"
uninstall_rc=$?

# --- the upgrade test: from the last release to the working tree
UPGRADE_ARGS=()
if [ "${IR_UPGRADE:-yes}" = yes ]; then
    log "Upgrade test: from the last release to the working tree (logs in $LOGDIR/upgrade-*)"
    IR_LOGDIR="$LOGDIR" IR_UPGRADE_DB="${IR_UPGRADE_DB:-${DB}_upgrade}" \
        IR_UPGRADE_HTTP_PORT="${IR_UPGRADE_HTTP_PORT:-$(( ${IR_TEST_HTTP_PORT:-18069} + 10 ))}" \
        bash "$ROOT/scripts/upgrade_test.sh"
    upgrade_rc=$?
    UPGRADE_ARGS=(--upgrade-summary "$LOGDIR/upgrade-summary.txt" --upgrade-rc "$upgrade_rc"
        --upgrade-log "$LOGDIR/upgrade-old.log" --upgrade-log "$LOGDIR/upgrade-update.log"
        --upgrade-log "$LOGDIR/upgrade-check.log" --upgrade-log "$LOGDIR/upgrade-uninstall.log")
else
    UPGRADE_ARGS=(--upgrade-skipped "${IR_UPGRADE_WHY:-not run on this tree}")
fi
set -e

"$PYBIN" "$ROOT/scripts/check_log.py" \
    --base-log "$LOGDIR/odoo-base.log" \
    --odoo-log "$LOGDIR/odoo-test.log" \
    --uninstall-log "$LOGDIR/odoo-uninstall.log" \
    --odoo-rc "$odoo_rc" --uninstall-rc "$uninstall_rc" \
    "${UPGRADE_ARGS[@]}" \
    --tree "$ODOO_PATH" --odoo-version "$(odoo_tree_version_label "$ODOO_PATH")" \
    --queue-job "$QUEUE_JOB_VERSION" ${IR_RESULTS:+--results "$IR_RESULTS"}
