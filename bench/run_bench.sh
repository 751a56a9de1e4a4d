#!/usr/bin/env bash
# The benchmark of the weekly run, with the project's own environment:
#   bench/run_bench.sh [--customers N] [--invoices M] [--json PATH] [--with-statement-pdf] ...
# Sets up the virtualenv and the private PostgreSQL cluster like the tests do,
# then runs bench/digest_bench.py (see its --help).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$ROOT"

prepare_odoo_run
mkdir -p "$STATE_DIR/bench"
export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" "$ROOT/bench/digest_bench.py" "$@" -- \
    --addons-path="$ODOO_PATH/addons,$ROOT" --db_host=127.0.0.1 --db_port="$PGPORT" \
    --db_user="$PGUSER_NAME" --data-dir="$STATE_DIR/bench/filestore" --max-cron-threads=0 \
    --http-interface=127.0.0.1 \
    --logfile="$STATE_DIR/bench/odoo.log" --log-level=warn
