#!/usr/bin/env bash
# Set up everything and run the whole test suite of invoice_reminders:
#   1. lint (ruff, pylint-odoo's mandatory checks) and the plain-Python tests
#      (no Odoo needed), with pytest, once;
#   2. on EACH Odoo tree (scripts/odoo_trees.sh: /opt/odoo-18.0, /opt/odoo-18.0-2025,
#      /opt/odoo-19.0; or IR_ODOO_TREES="dir1 dir2"; or ODOO_PATH alone for one
#      tree), one after the other, with the tree's own virtualenv, queue_job
#      release, databases and log folder, scripts/test_tree.sh: install the add-on
#      and its bridges, every Odoo test of them (tours in headless Chromium), the
#      queue_job bridge, the uninstall, and the upgrade test where it applies;
#   3. print one line per tree and a total; fail if a test failed, if any
#      WARNING or ERROR was logged, or if a tree is missing with CI=true.
# A missing tree is skipped with what to put in its folder (IR_CLONE_ODOO=1
# clones upstream Odoo there); with CI=true every tree must be there.
#   IR_LOGDIR      the logs (default .test-logs/, one subfolder per tree)
#   IR_TEST_DB     the databases' prefix (default invoice_reminders_test: _18_0, ...)
#   IR_TEST_HTTP_PORT, IR_UPGRADE_DB, IR_UPGRADE_HTTP_PORT  as in test_tree.sh
#   IR_UPGRADE_ON  where the upgrade test runs: floor (the first 18.0 tree only,
#                  default: keeps CI of three trees under 35 minutes on a shared
#                  2-core machine), 18.0 (each 18.0 tree, 2 more minutes), none
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
started=$(date +%s)

ensure_system_packages
LOGDIR="${IR_LOGDIR:-$ROOT/.test-logs}"
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log "$LOGDIR/results.tsv"
RESULTS="$LOGDIR/results.tsv"

mapfile -t TREES < <(odoo_trees)
PRESENT=()
for tree in "${TREES[@]}"; do
    if odoo_tree_check "$tree"; then
        PRESENT+=("$tree")
    else
        printf '%s\t-\t-\t0\t0\t0\t%s\t%s\n' "$tree" \
            "$([ "${CI:-}" = true ] && echo MISSING || echo 'not found')" \
            "no Odoo in this folder: the suite did not run on it" >> "$RESULTS"
    fi
done
log "Odoo trees: ${TREES[*]} (present: ${PRESENT[*]:-none})"
if [ "${CI:-}" = true ]; then
    # CI tests the three kinds of Odoo, whatever the folders: the 18.0 floor
    # (no odoo.api.private), an 18.0 of 2025 (with it), and 19.0
    for kind in $(odoo_tree_missing_kinds "${PRESENT[@]}"); do
        printf 'Odoo %s\t%s\t-\t0\t0\t0\tMISSING\t%s\n' "$kind" "$kind" \
            "CI=true needs a tree of each kind; none in: ${TREES[*]}" >> "$RESULTS"
    done
fi

# lint and pytest once, with the first tree's virtualenv
use_odoo_tree "${PRESENT[0]:-$ODOO_PATH}"
ensure_venv
PYBIN="$VENV/bin/python"

log "Lint: ruff, and pylint-odoo's mandatory checks on the add-ons"
set +e
"$VENV/bin/ruff" check "$ROOT" > "$LOGDIR/lint.log" 2>&1
ruff_rc=$?
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc-mandatory" "$ROOT"/invoice_reminders \
    "$ROOT"/invoice_reminders_* >> "$LOGDIR/lint.log" 2>&1
pylint_rc=$?
cat "$LOGDIR/lint.log"
lint_rc=$(( ruff_rc || pylint_rc ))

log "Plain-Python tests (no Odoo)"
"$PYBIN" -m pytest -q -p no:cacheprovider tests/ --junitxml="$LOGDIR/pytest.xml" 2>&1 | tee "$LOGDIR/pytest.log"
pytest_rc=${PIPESTATUS[0]}
"$PYBIN" "$ROOT/scripts/check_log.py" --pytest-xml "$LOGDIR/pytest.xml" --no-odoo \
    --pytest-rc "$pytest_rc" --lint-rc "$lint_rc" --results "$RESULTS" \
    --tree "lint + plain-Python tests"
set -e

# The upgrade test starts from release 18.0.1.0.0: it applies to the 18.0 trees only.
upgrade_on="${IR_UPGRADE_ON:-floor}"
first_18=
index=0
for tree in "${PRESENT[@]}"; do
    use_odoo_tree "$tree"
    index=$(( index + 1 ))
    upgrade=no
    why=
    if [ "$ODOO_SERIES" != 18.0 ]; then
        why="does not apply on Odoo $ODOO_SERIES: no $ODOO_SERIES release of the add-ons yet"
    elif [ "$upgrade_on" = none ]; then
        why="IR_UPGRADE_ON=none"
    elif [ "$upgrade_on" = floor ] && [ -n "$first_18" ]; then
        why="run on $first_18 only (IR_UPGRADE_ON=floor)"
    else
        upgrade=yes
    fi
    [ "$ODOO_SERIES" = 18.0 ] && first_18=${first_18:-$tree}
    [ -n "$why" ] && log "Upgrade test on $tree: $why"
    log "===== Odoo tree $index of ${#PRESENT[@]}: $tree (Odoo $ODOO_SERIES, queue_job $QUEUE_JOB_VERSION)"
    db="${IR_TEST_DB:-invoice_reminders_test}_$TREE_LABEL"
    set +e
    ODOO_PATH="$tree" IR_LOGDIR="$LOGDIR/$TREE_LABEL" IR_TEST_DB="$db" \
        IR_UPGRADE_DB="${IR_UPGRADE_DB:-${IR_TEST_DB:-invoice_reminders_test}_upgrade}_$TREE_LABEL" \
        IR_UPGRADE="$upgrade" IR_UPGRADE_WHY="$why" IR_RESULTS="$RESULTS" \
        bash "$ROOT/scripts/test_tree.sh"
    tree_rc=$?
    set -e
    if [ "$tree_rc" != 0 ] && ! grep -q "^$tree	" "$RESULTS"; then
        printf '%s\t%s\t%s\t0\t0\t0\tFAIL\t%s\n' "$tree" "$ODOO_SERIES" "$QUEUE_JOB_VERSION" \
            "test_tree.sh stopped with $tree_rc before its verdict" >> "$RESULTS"
    fi
done

if [ ${#PRESENT[@]} -lt ${#TREES[@]} ]; then
    echo
    echo "!! The Odoo suite did NOT run on every tree: see above for what to put in each missing folder."
    [ "${CI:-}" = true ] && echo "!! CI=true: every tree must be present and pass: failing." >&2
fi
set +e
"$PYBIN" "$ROOT/scripts/check_log.py" --summarize "$RESULTS"
rc=$?
set -e
echo "The whole run took $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s (logs in $LOGDIR)."
exit $rc
