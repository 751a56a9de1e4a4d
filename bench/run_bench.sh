#!/usr/bin/env bash
# The benchmark of the weekly run, with the project's own environment:
#   bench/run_bench.sh [--customers N] [--invoices M] [--json PATH] [--with-statement-pdf] ...
#   bench/run_bench.sh --vs-peers [--customers N] [--invoices M] [--json PATH]
# Sets up the virtualenv and the private PostgreSQL cluster like the tests do,
# then runs bench/digest_bench.py (see its --help), or bench/peers.py with
# --vs-peers: the OCA peers' wheels (--no-deps) go to a folder of the cache
# put on the addons path, never into this repository.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$ROOT"

PEER_WHEELS=(odoo-addon-account_credit_control==18.0.2.0.2.6
             odoo-addon-account_invoice_overdue_reminder==18.0.1.6.0)

prepare_odoo_run
mkdir -p "$STATE_DIR/bench" "${IR_LOGDIR:-$STATE_DIR/bench}"
export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
script="$ROOT/bench/digest_bench.py"
addons="$ODOO_PATH/addons,$ROOT"
if [[ " $* " == *" --vs-peers "* ]]; then
    peers="$STATE_DIR/peers-$(echo "${PEER_WHEELS[*]}" | sha1sum | cut -c1-10)"
    if [ ! -f "$peers/.complete" ]; then
        log "Installing the OCA peers into $peers: ${PEER_WHEELS[*]}"
        rm -rf "$peers"
        "$VENV/bin/pip" install -q --no-deps --target "$peers" "${PEER_WHEELS[@]}"
        touch "$peers/.complete"
    fi
    script="$ROOT/bench/peers.py"
    addons="$addons,$peers/odoo/addons"
fi
exec "$VENV/bin/python" "$script" "$@" -- \
    --addons-path="$addons" --db_host=127.0.0.1 --db_port="$PGPORT" \
    --db_user="$PGUSER_NAME" --data-dir="$STATE_DIR/bench/filestore" --max-cron-threads=0 \
    --http-interface=127.0.0.1 \
    --logfile="${IR_LOGDIR:-$STATE_DIR/bench}/odoo.log" --log-level=warn
