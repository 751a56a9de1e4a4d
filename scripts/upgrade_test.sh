#!/usr/bin/env bash
# The upgrade test: from the previous release to the working tree, nothing lost.
#   1. export the previous release of the add-ons (git archive of its tag, else of
#      the commit recorded in setup/releases.txt) into a temporary folder;
#   2. on a fresh database, install accounting, then the OLD add-ons
#      (invoice_reminders, invoice_reminders_sms, queue_job + invoice_reminders_queue)
#      from that folder, and build a history through the old code
#      (scripts/upgrade_history.py: activation wizard, three weekly periods with
#      fees, pause, promises, dispute, own cadence, preview, letter, job queue),
#      then snapshot every record of the add-ons;
#   3. update to the working tree with -u, then check (scripts/upgrade_check.py):
#      same records with the same values, nothing new for the period already
#      sent, the next period continues each invoice's ladder;
#   4. uninstall, which must leave nothing (scripts/uninstall_check.py).
# Fails on any WARNING or ERROR logged by the old release's install and history,
# the update, the checks or the uninstall.  Logs in $IR_LOGDIR (upgrade-*.log).  Run alone or from run_tests.sh.
#   IR_UPGRADE_DB         database (default invoice_reminders_upgrade)
#   IR_UPGRADE_HTTP_PORT  HTTP port given to Odoo (default 18079)
#   IR_UPGRADE_FROM       a tag or commit to upgrade from instead of the last release
#   IR_UPGRADE_KEEP=1     keep the database and the temporary folder
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

LOGDIR="${IR_LOGDIR:-$ROOT/.test-logs}"
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/upgrade-*.log "$LOGDIR/upgrade-summary.txt"
SUMMARY="$LOGDIR/upgrade-summary.txt"
started=$(date +%s)
summary() { echo "$*" | tee -a "$SUMMARY"; }
step() { log "Upgrade test [+$(( $(date +%s) - started ))s]: $*"; }
fail() {
    summary "UPGRADE TEST FAILED: $*"
    exit 1
}

series=$(odoo_tree_series "$ODOO_PATH")
if [ "$series" != 18.0 ]; then
    summary "upgrade test: does not apply on Odoo ${series:-?} ($ODOO_PATH): the releases to upgrade from are 18.0 ones; no ${series:-?} release of the add-ons exists yet"
    exit 0
fi
if ! release=$(python3 "$ROOT/scripts/upgrade_release.py" 2>>"$SUMMARY"); then
    cat "$SUMMARY" >&2
    fail "no previous release to upgrade from (see above)"
fi
read -r FROM_TAG FROM_COMMIT FROM_HOW <<<"$release"
summary "upgrade test: from $FROM_TAG (commit ${FROM_COMMIT:0:12}, $FROM_HOW) to the working tree"

ensure_system_packages
ensure_venv
start_postgres
PYBIN="$VENV/bin/python"
DB="${IR_UPGRADE_DB:-invoice_reminders_upgrade}"
# the add-on and the bridges the previous release has (queue_job's is installed
# with queue_job, SMS's with sms); those it has are updated
OLD_ADDONS=()
for name in $(git -C "$ROOT" ls-tree --name-only "$FROM_COMMIT"); do
    if [[ "$name" =~ ^invoice_reminders(_[a-z_]+)?$ ]] \
        && git -C "$ROOT" cat-file -e "$FROM_COMMIT:$name/__manifest__.py" 2>/dev/null; then
        OLD_ADDONS+=("$name")
    fi
done
MODULES=$(IFS=,; echo "${OLD_ADDONS[*]}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/invoice_reminders-upgrade.XXXXXX")
SMTP_PID=
cleanup() {
    [ -n "$SMTP_PID" ] && kill "$SMTP_PID" 2>/dev/null
    if [ -z "${IR_UPGRADE_KEEP:-}" ]; then
        rm -rf "$WORK"
        "$(pg_bindir)/dropdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" --if-exists "$DB" 2>/dev/null
        rm -rf "$STATE_DIR/filestore-test/filestore/$DB"
    fi
    return 0
}
trap cleanup EXIT

step "exporting $FROM_TAG into $WORK/old"
mkdir -p "$WORK/old"
git -C "$ROOT" archive "$FROM_COMMIT" "${OLD_ADDONS[@]}" | tar -x -C "$WORK/old" \
    || fail "git archive $FROM_COMMIT failed"

opts() {  # the Odoo options, with the add-ons from $1
    echo --addons-path="$ODOO_PATH/addons,$1" --db_host=127.0.0.1 --db_port="$PGPORT" \
        --db_user="$PGUSER_NAME" -d "$DB" --without-demo=True --http-interface=127.0.0.1 --max-cron-threads=0 \
        --http-port="${IR_UPGRADE_HTTP_PORT:-18079}" --data-dir="$STATE_DIR/filestore-test"
}
# shellcheck disable=SC2207
OLD_OPTS=($(opts "$WORK/old"))
# shellcheck disable=SC2207
NEW_OPTS=($(opts "$ROOT"))
odoo() { "$PYBIN" "$ODOO_PATH/odoo-bin" "$@"; }
shell() {  # shell <options...> < script: the script runs in `odoo-bin shell`
    "$PYBIN" "$ODOO_PATH/odoo-bin" shell "$@" --no-http
}

"$(pg_bindir)/dropdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" --if-exists "$DB"
rm -rf "$STATE_DIR/filestore-test/filestore/$DB"
"$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" "$DB"

step "a loopback SMTP server for the reminders"
SMTP_PORT=$("$PYBIN" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PYBIN" "$ROOT/scripts/smtp_sink_server.py" --port "$SMTP_PORT" --dir "$WORK/mail" \
    > "$LOGDIR/upgrade-smtp.log" 2>&1 &
SMTP_PID=$!
export IR_UPGRADE_SMTP_PORT=$SMTP_PORT IR_UPGRADE_MAIL_DIR="$WORK/mail" \
    IR_UPGRADE_STATE="$WORK/state.json" IR_UPGRADE_SCRIPTS="$ROOT/scripts"

step "accounting, SMS and queue_job, then customers and invoices"
odoo "${OLD_OPTS[@]}" -i account,sms,queue_job --stop-after-init --log-level=warn \
    --logfile="$LOGDIR/upgrade-old.log" || fail "installing accounting failed"
shell "${OLD_OPTS[@]}" --log-level=warn --logfile="$LOGDIR/upgrade-old.log" \
    < "$ROOT/scripts/upgrade_invoices.py" || fail "creating the invoices failed (upgrade-old.log)"

step "installing $FROM_TAG ($MODULES) from $WORK/old"
odoo "${OLD_OPTS[@]}" -i "$MODULES" --stop-after-init --log-level=warn \
    --logfile="$LOGDIR/upgrade-old.log" || fail "installing $FROM_TAG failed (upgrade-old.log)"
step "the history, through $FROM_TAG's code, and its snapshot"
set +e
shell "${OLD_OPTS[@]}" --log-level=warn --logfile="$LOGDIR/upgrade-old.log" \
    < "$ROOT/scripts/upgrade_history.py" 2>&1 | tee -a "$SUMMARY"
history_rc=${PIPESTATUS[0]}
set -e
[ "$history_rc" = 0 ] || fail "building the history on $FROM_TAG failed (upgrade-old.log)"

step "updating to the working tree (-u $MODULES)"
update_started=$(date +%s)
odoo "${NEW_OPTS[@]}" -u "$MODULES" --stop-after-init --log-level=info \
    --logfile="$LOGDIR/upgrade-update.log" || fail "the update exited with an error (upgrade-update.log)"
summary "update (-u) took $(( $(date +%s) - update_started ))s"

step "checking the records, then the same period and the next one"
set +e
shell "${NEW_OPTS[@]}" --log-level=info --logfile="$LOGDIR/upgrade-check.log" \
    < "$ROOT/scripts/upgrade_check.py" 2>&1 | tee -a "$SUMMARY"
check_rc=${PIPESTATUS[0]}
step "uninstalling"
shell "${NEW_OPTS[@]}" --log-level=info --logfile="$LOGDIR/upgrade-uninstall.log" \
    < "$ROOT/scripts/uninstall_check.py" 2>&1 | tee -a "$SUMMARY"
uninstall_rc=${PIPESTATUS[0]}
set -e

# the verdict: the checks' and the uninstall's exit codes, and no WARNING/ERROR
# line in any log of the test (scripts/check_log.py, as for the whole suite)
elapsed=$(( $(date +%s) - started ))
summary "checks exited with $check_rc, uninstall with $uninstall_rc; ${elapsed}s in all"
"$PYBIN" "$ROOT/scripts/check_log.py" --only-upgrade --upgrade-summary "$SUMMARY" \
    --upgrade-rc $(( check_rc || uninstall_rc )) \
    --upgrade-log "$LOGDIR/upgrade-old.log" --upgrade-log "$LOGDIR/upgrade-update.log" \
    --upgrade-log "$LOGDIR/upgrade-check.log" --upgrade-log "$LOGDIR/upgrade-uninstall.log"
