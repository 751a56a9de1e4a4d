# shellcheck shell=bash
# Shared settings for the project's scripts: where Odoo, the virtualenv and
# the private PostgreSQL cluster live.  Source it, do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# runuser, pg_ctl helpers and friends live in sbin on Debian
export PATH="$PATH:/usr/sbin:/sbin"
# The Odoo trees (default folders, queue_job per tree, what to put in an empty one).
# shellcheck source=scripts/odoo_trees.sh
source "$ROOT/scripts/odoo_trees.sh"
# One Odoo tree for the commands that use one (demo, benchmark, upgrade test):
# ODOO_PATH, else the floor's default folder.  The test command runs on every
# tree of odoo_trees (IR_ODOO_TREES, else ODOO_PATH, else the three folders).
DEFAULT_ODOO_PATH=$ODOO_TREE_FLOOR
ODOO_PATH="${ODOO_PATH:-$DEFAULT_ODOO_PATH}"
STATE_DIR="${IR_STATE_DIR:-$HOME/.cache/invoice_reminders}"
PGPORT="${IR_PGPORT:-55432}"
# Outside $HOME: when run as root, the cluster runs as the postgres user,
# which cannot enter /root.
PGBASE="${IR_PGBASE:-/var/tmp/invoice_reminders-pg-$(id -u)}"
PGDATA="${IR_PGDATA:-$PGBASE/data}"
PGSOCKDIR="${IR_PGSOCKDIR:-$PGBASE/sock}"
PGUSER_NAME=odoo
# OCA's queue_job, the release for the tree (the invoice_reminders_queue bridge
# runs on it): 18.0.1.7.0.1 on an 18.0 without odoo.api.private, 18.0.4.1.2.2 on
# one with it, 19.0.2.4.0.1 on 19.0; IR_QUEUE_JOB_VERSION overrides.
QUEUE_JOB_VERSION=$(odoo_tree_queue_job "$ODOO_PATH")
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
export ODOO_PATH PGPORT PGDATA

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

have_odoo() { odoo_tree_ok "$ODOO_PATH"; }

# Work on the tree DIR from now on: ODOO_PATH, its queue_job release, its label.
use_odoo_tree() {
    ODOO_PATH="${1%/}"
    QUEUE_JOB_VERSION=$(odoo_tree_queue_job "$ODOO_PATH")
    ODOO_SERIES=$(odoo_tree_series "$ODOO_PATH")
    TREE_LABEL=$(odoo_tree_label "$ODOO_PATH")
    export ODOO_PATH QUEUE_JOB_VERSION ODOO_SERIES TREE_LABEL
}

# For the commands that need Odoo (demo, benchmark): stop with a clear message
# without it, else install what is missing and start PostgreSQL.
prepare_odoo_run() {
    if ! odoo_tree_check "$ODOO_PATH"; then
        echo "Odoo not found at ODOO_PATH=$ODOO_PATH (see README.rst and doc/DEVELOPMENT.md)." >&2
        exit 1
    fi
    ensure_system_packages
    ensure_venv
    start_postgres
}

# Debian packages the tests and the demo need.
ensure_system_packages() {
    local missing=()
    [ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v pdftotext >/dev/null || missing+=(poppler-utils)
    [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
    [ -f /usr/include/ldap.h ] || missing+=(libldap2-dev)
    [ -f /usr/include/sasl/sasl.h ] || missing+=(libsasl2-dev)
    if [ ${#missing[@]} -gt 0 ]; then
        log "Installing Debian packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    echo "$d"
}

# A private PostgreSQL cluster: own data folder, own socket folder, own port.
start_postgres() {
    local bindir
    bindir="$(pg_bindir)"
    mkdir -p "$PGBASE" "$PGSOCKDIR"
    local runas=()
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: use the postgres system user.
        chown postgres "$PGBASE" "$PGSOCKDIR"
        runas=(runuser -u postgres --)
    fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "Creating a private PostgreSQL cluster in $PGDATA"
        mkdir -p "$PGDATA"
        [ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
        "${runas[@]}" "$bindir/initdb" -D "$PGDATA" -U "$PGUSER_NAME" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! "${runas[@]}" "$bindir/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        log "Starting PostgreSQL on port $PGPORT (socket in $PGSOCKDIR)"
        "${runas[@]}" "$bindir/pg_ctl" -D "$PGDATA" -w -l "$PGBASE/postgres.log" \
            -o "-p $PGPORT -k $PGSOCKDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null
    fi
    export PGHOST=127.0.0.1 PGUSER="$PGUSER_NAME"
}

# The virtualenv: Odoo's requirements plus this project's, keyed by what it holds.
# The add-ons' Python dependencies come from requirements.txt (the manifests'
# external_dependencies, as in OCA repositories; tests/test_packaging.py keeps the
# two in step), the test and lint tools from test-requirements.txt.  The add-ons
# themselves run from this checkout (it is on Odoo's addons path), not as wheels.
ensure_venv() {
    local key
    key=$( (echo venv-recipe-3 "$QUEUE_JOB_VERSION"; cat "$ROOT/requirements.txt" "$ROOT/test-requirements.txt"; [ -f "$ODOO_PATH/requirements.txt" ] && cat "$ODOO_PATH/requirements.txt") | sha1sum | cut -c1-12)
    VENV="${IR_VENV:-$STATE_DIR/venv-$key}"
    if [ ! -f "$VENV/.complete" ]; then
        log "Creating virtualenv $VENV"
        rm -rf "$VENV"
        "$PY" -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip "setuptools<70" wheel
        if have_odoo; then
            log "Installing the Python requirements of $ODOO_PATH"
            # cbor2 5.4.2 has no usable release on Python 3.11: 5.4.6 is API-compatible.
            sed -e 's/^cbor2==5\.4\.2/cbor2==5.4.6/' "$ODOO_PATH/requirements.txt" > "$VENV/odoo-requirements.txt"
            "$VENV/bin/pip" install -q --no-build-isolation -r "$VENV/odoo-requirements.txt"
        fi
        log "Installing the dependencies of the add-ons and the test tools"
        "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" -r "$ROOT/test-requirements.txt"
        log "Installing OCA's queue_job (for the invoice_reminders_queue bridge)"
        # Its wheel requires the "odoo" distribution, which Odoo's checkout is not:
        # --no-deps, and its one Python dependency (requests) comes with Odoo's.
        "$VENV/bin/pip" install -q --no-deps "odoo-addon-queue_job==$QUEUE_JOB_VERSION"
        touch "$VENV/.complete"
    fi
    if [ ! -f "$VENV/.queue-job-deps" ]; then
        # queue_job's Python dependencies other than Odoo (openupgradelib from 19.0 on)
        local deps
        deps=$("$VENV/bin/python" -c 'import importlib.metadata as m, re
print(" ".join(r for r in m.requires("odoo-addon-queue_job") or [] if not re.match(r"odoo($|[^a-z])|odoo[-_]addon", r)))')
        if [ -n "$deps" ]; then
            log "Installing queue_job's dependencies: $deps"
            # shellcheck disable=SC2086
            "$VENV/bin/pip" install -q $deps
        fi
        touch "$VENV/.queue-job-deps"
    fi
    export VENV
}
