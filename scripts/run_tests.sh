#!/usr/bin/env bash
# Set up everything and run the whole test suite of invoice_reminders:
#   1. the plain-Python tests (no Odoo needed), with pytest;
#   2. on a fresh database of a private PostgreSQL cluster: install the add-on,
#      run every Odoo test of it (--test-enable, tours in headless Chromium),
#      with the bridge add-ons (invoice_reminders_sms), then install OCA's
#      queue_job and the invoice_reminders_queue bridge and run its tests, then
#      uninstall the add-on (and with it the bridges);
#   3. the upgrade test (scripts/upgrade_test.sh), on a database of its own: the
#      last release installed, a history built through its code, updated to the
#      working tree with -u, checked, uninstalled;
#   4. fail if a test failed or if any WARNING or ERROR was logged.
# Without Odoo the Odoo suite is skipped with a clear message; with CI=true that fails.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

ensure_system_packages
ensure_venv
# --- bridge add-ons -------------------------------------------------------------
# Optional add-ons next to invoice_reminders/ that bridge it to another Odoo module:
# installed, linted and tested with it, and uninstalled with it. One line each.
BRIDGES=()
BRIDGES+=(invoice_reminders_sms)  # SMS through Odoo's sms module
BRIDGE_MODULES=$(IFS=,; echo "${BRIDGES[*]}")
BRIDGE_TAGS=$(printf ',/%s' "${BRIDGES[@]}")
# --- end of bridge add-ons --------------------------------------------------------
PYBIN="$VENV/bin/python"
LOGDIR="${IR_LOGDIR:-$ROOT/.test-logs}"
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log

log "Lint: ruff, and pylint-odoo's mandatory checks on the add-ons"
set +e
"$VENV/bin/ruff" check "$ROOT" > "$LOGDIR/lint.log" 2>&1
ruff_rc=$?
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc-mandatory" "$ROOT/invoice_reminders" \
    "${BRIDGES[@]/#/$ROOT/}" "$ROOT/invoice_reminders_queue" >> "$LOGDIR/lint.log" 2>&1
pylint_rc=$?
set -e
cat "$LOGDIR/lint.log"
lint_rc=$(( ruff_rc || pylint_rc ))

log "Plain-Python tests (no Odoo)"
set +e
"$PYBIN" -m pytest -q -p no:cacheprovider tests/ --junitxml="$LOGDIR/pytest.xml" 2>&1 | tee "$LOGDIR/pytest.log"
pytest_rc=${PIPESTATUS[0]}
set -e

if ! have_odoo; then
    echo
    echo "!! Odoo 18.0 was not found at ODOO_PATH=$ODOO_PATH: the Odoo test suite was NOT run."
    echo "!! Check out Odoo 18.0 there (see README.rst and doc/DEVELOPMENT.md) or set ODOO_PATH."
    "$PYBIN" "$ROOT/scripts/check_log.py" --pytest-xml "$LOGDIR/pytest.xml" --no-odoo \
        --lint-rc "$lint_rc"
    if [ "${CI:-}" = "true" ]; then
        echo "!! CI=true: failing because the Odoo suite could not run." >&2
        exit 1
    fi
    exit $(( pytest_rc || lint_rc ))
fi

start_postgres
DB="${IR_TEST_DB:-invoice_reminders_test}"
ODOO_OPTS=(--addons-path="$ODOO_PATH/addons,$ROOT"
      --db_host=127.0.0.1 --db_port="$PGPORT" --db_user="$PGUSER_NAME"
      -d "$DB" --without-demo=True --max-cron-threads=0
      --http-interface=127.0.0.1 --http-port="${IR_TEST_HTTP_PORT:-18069}" --data-dir="$STATE_DIR/filestore-test")
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
log "Installing queue_job and invoice_reminders_queue, and running the bridge's tests"
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
if grep -q "^version_info = (18," "$ODOO_PATH/odoo/release.py"; then
    log "Upgrade test: from the last release to the working tree (logs in $LOGDIR/upgrade-*)"
    IR_LOGDIR="$LOGDIR" IR_UPGRADE_DB="${IR_UPGRADE_DB:-${DB}_upgrade}" \
        IR_UPGRADE_HTTP_PORT="${IR_UPGRADE_HTTP_PORT:-$(( ${IR_TEST_HTTP_PORT:-18069} + 10 ))}" \
        bash "$ROOT/scripts/upgrade_test.sh"
    upgrade_rc=$?
else
    # the releases so far are Odoo 18.0 add-ons: nothing to upgrade from on another Odoo
    for step in old update check uninstall; do : > "$LOGDIR/upgrade-$step.log"; done
    echo "upgrade test: from none (skipped: no release for this Odoo yet) to the working tree" \
        > "$LOGDIR/upgrade-summary.txt"
    upgrade_rc=0
fi
set -e

"$PYBIN" "$ROOT/scripts/check_log.py" \
    --pytest-xml "$LOGDIR/pytest.xml" \
    --base-log "$LOGDIR/odoo-base.log" \
    --odoo-log "$LOGDIR/odoo-test.log" \
    --uninstall-log "$LOGDIR/odoo-uninstall.log" \
    --odoo-rc "$odoo_rc" --uninstall-rc "$uninstall_rc" --pytest-rc "$pytest_rc" \
    --lint-rc "$lint_rc" \
    --upgrade-summary "$LOGDIR/upgrade-summary.txt" --upgrade-rc "$upgrade_rc" \
    --upgrade-log "$LOGDIR/upgrade-old.log" --upgrade-log "$LOGDIR/upgrade-update.log" \
    --upgrade-log "$LOGDIR/upgrade-check.log" --upgrade-log "$LOGDIR/upgrade-uninstall.log"
