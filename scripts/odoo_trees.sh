# shellcheck shell=bash
# The Odoo trees the project is tested on: where they are, what they are, which
# queue_job release goes with each, and what to put in a default folder that is
# empty.  Sourced by common.sh; also a small command line:
#   bash scripts/odoo_trees.sh list          # the trees a test run would use, one a line
#   bash scripts/odoo_trees.sh describe DIR  # "<odoo version> <queue_job version> <label>"
#   bash scripts/odoo_trees.sh check DIR     # exit 0 if DIR holds Odoo, else say what to put there
#   bash scripts/odoo_trees.sh source DIR    # what to put in DIR (the exact repository and commit)
#   bash scripts/odoo_trees.sh missing-kinds DIR...  # the kinds of Odoo CI needs that none is
#   IR_CLONE_ODOO=1 bash scripts/odoo_trees.sh check DIR   # ... and clone upstream Odoo there
# Environment:
#   IR_ODOO_TREES="dir1 dir2"  the trees to test (default: the three folders below);
#                              ODOO_PATH alone means that one tree only
#   IR_QUEUE_JOB_VERSION       the queue_job release for every tree (default: per tree)
#   IR_CLONE_ODOO=1            clone upstream Odoo into a missing or empty tree folder
#   IR_ODOO_GIT_URL            the repository to clone (default https://github.com/odoo/odoo.git)
#   IR_ODOO_BRANCH             the branch to clone (default: from the folder's name)

# The default folders: 18.0 of 2024-11 (the floor), 18.0 of 2025-08, 19.0 of 2025-10.
ODOO_TREE_FLOOR=/opt/odoo-18.0
ODOO_TREE_2025=/opt/odoo-18.0-2025
ODOO_TREE_19=/opt/odoo-19.0
DEFAULT_ODOO_TREES="$ODOO_TREE_FLOOR $ODOO_TREE_2025 $ODOO_TREE_19"
ODOO_UPSTREAM_URL=https://github.com/odoo/odoo.git
# ODOO_PATH as the user gave it (common.sh gives it a default afterwards)
ODOO_PATH_GIVEN="${ODOO_PATH:-}"

# The trees to work on, one a line: IR_ODOO_TREES, else ODOO_PATH, else the defaults.
odoo_trees() {
    local list="${IR_ODOO_TREES:-${ODOO_PATH_GIVEN:-$DEFAULT_ODOO_TREES}}"
    local tree
    for tree in $list; do
        echo "${tree%/}"
    done
}

odoo_tree_ok() { [ -f "$1/odoo-bin" ] && [ -d "$1/odoo/addons/base" ]; }

# "18.0" or "19.0": the series of the tree, from odoo/release.py's version_info.
odoo_tree_series() {
    sed -n 's/^version_info = (\([0-9]*\), *\([0-9]*\),.*/\1.\2/p' "$1/odoo/release.py" 2>/dev/null | head -n 1
}

# Whether the tree's odoo.api has the `private` decorator (18.0 since 2025; 19.0).
odoo_tree_has_api_private() {
    grep -qs '^def private' "$1/odoo/api.py" "$1"/odoo/api/*.py
}

# The tree's version for people: "18.0", "18.0+api.private" (a 2025 build), "19.0".
odoo_tree_version_label() {
    local series
    series=$(odoo_tree_series "$1")
    if [ "$series" = 18.0 ] && odoo_tree_has_api_private "$1"; then
        series="$series+api.private"
    fi
    echo "${series:-unknown}"
}

# The kinds of Odoo CI must test (18.0 floor, 18.0 of 2025, 19.0) that none of
# the trees given is, one a line.
odoo_tree_missing_kinds() {
    local kinds=" " tree kind
    for tree in "$@"; do kinds+="$(odoo_tree_version_label "$tree") "; done
    for kind in 18.0 18.0+api.private 19.0; do
        [[ "$kinds" == *" $kind "* ]] || echo "$kind"
    done
}

# The queue_job release for a tree: IR_QUEUE_JOB_VERSION, else by what the tree is.
odoo_tree_queue_job() {
    if [ -n "${IR_QUEUE_JOB_VERSION:-}" ]; then
        echo "$IR_QUEUE_JOB_VERSION"
        return
    fi
    case "$(odoo_tree_series "$1")" in
        19.0) echo 19.0.2.4.0.1 ;;
        *)
            # queue_job 18.0.2 and later import odoo.api.private
            if odoo_tree_has_api_private "$1"; then echo 18.0.4.1.2.2; else echo 18.0.1.7.0.1; fi
            ;;
    esac
}

# A short name for the tree's databases and log folder: the folder's name
# without "odoo-", with dots and dashes as underscores (18_0, 18_0_2025, 19_0).
odoo_tree_label() {
    local name
    name=$(basename "$1")
    name=${name#odoo-}
    name=${name//[^A-Za-z0-9]/_}
    echo "${name:-odoo}"
}

# The branch of upstream Odoo for a folder: IR_ODOO_BRANCH, else its name's series.
odoo_tree_branch() {
    if [ -n "${IR_ODOO_BRANCH:-}" ]; then
        echo "$IR_ODOO_BRANCH"
        return
    fi
    case "$(basename "$1")" in
        *19.0*) echo 19.0 ;;
        *) echo 18.0 ;;
    esac
}

# What to put in a default folder: the exact source the project is tested on.
odoo_tree_source() {
    case "${1%/}" in
        "$ODOO_TREE_FLOOR")
            cat <<EOF
Odoo 18.0 of 2024-11-24 (the floor): upstream odoo/odoo 18.0 at commit 52acb3c,
as in the repository Disassembling-Odoo/core at commit 504b0670, exported:
    git -C <clone of Disassembling-Odoo/core> archive 504b0670 | tar -x -C $ODOO_TREE_FLOOR
EOF
            ;;
        "$ODOO_TREE_2025")
            cat <<EOF
Odoo 18.0 of 2025-08-21: the repository dglezz1/odoo-18.0 at commit 2268dca3 (its
root commit), only Odoo's own top-level paths (addons, odoo, odoo-bin, setup*,
requirements.txt, debian, doc and the top-level text files; not custom_addons/
nor the owner's deploy scripts), exported:
    git -C <clone of dglezz1/odoo-18.0> archive 2268dca3 addons odoo odoo-bin setup setup.py setup.cfg \\
        requirements.txt debian doc CONTRIBUTING.md COPYRIGHT LICENSE MANIFEST.in README.md SECURITY.md \\
        | tar -x -C $ODOO_TREE_2025
EOF
            ;;
        "$ODOO_TREE_19")
            cat <<EOF
Odoo 19.0 Community of 2025-10-05: the repository Hussen-Ali/odoo19-custom at commit
4012675d (its root commit; never its commit 3452506a or later), plus the one file
it forgot, addons/sms_twilio/wizard/sms_twilio_account_manage_views.xml, taken
from its commit 1b76c8f6; without the committed __pycache__ folders and without
custom_addons/, .idea, odoo.conf and odoo.log:
    git -C <clone> archive 4012675d | tar -x -C $ODOO_TREE_19 --exclude=custom_addons \\
        --exclude=.idea --exclude=odoo.conf --exclude=odoo.log --exclude=__pycache__
    git -C <clone> show 1b76c8f6:addons/sms_twilio/wizard/sms_twilio_account_manage_views.xml \\
        > $ODOO_TREE_19/addons/sms_twilio/wizard/sms_twilio_account_manage_views.xml
EOF
            ;;
        *)
            echo "An Odoo $(odoo_tree_branch "$1") source tree (odoo-bin, odoo/, addons/)."
            ;;
    esac
}

# Clone upstream Odoo (shallow, one branch) into DIR, which must be missing or empty.
odoo_tree_clone() {
    local dir="${1%/}" url="${IR_ODOO_GIT_URL:-$ODOO_UPSTREAM_URL}" branch
    branch=$(odoo_tree_branch "$dir")
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        echo "!! $dir is not empty: not cloning Odoo into it." >&2
        return 1
    fi
    echo "==> Cloning $url (branch $branch, --depth 1) into $dir" >&2
    git clone -q --depth 1 --single-branch --branch "$branch" "$url" "$dir" >&2 || return 1
    if ! odoo_tree_ok "$dir"; then
        echo "!! $url (branch $branch) gave no odoo-bin and odoo/addons/base in $dir." >&2
        return 1
    fi
}

# Exit 0 when DIR holds Odoo (cloning it first with IR_CLONE_ODOO=1); else print
# what to put there and return 1.
odoo_tree_check() {
    local dir="${1%/}"
    odoo_tree_ok "$dir" && return 0
    if [ "${IR_CLONE_ODOO:-}" = 1 ]; then
        odoo_tree_clone "$dir" && return 0
    fi
    {
        echo "!! No Odoo at $dir (no odoo-bin or odoo/addons/base there). Put there:"
        odoo_tree_source "$dir" | sed 's/^/   /'
        echo "   Or, with GitHub access, let the scripts clone upstream Odoo (branch $(odoo_tree_branch "$dir")," \
            "latest commit) there: IR_CLONE_ODOO=1 (repository: IR_ODOO_GIT_URL, default $ODOO_UPSTREAM_URL)."
    } >&2
    return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
        list) odoo_trees ;;
        describe)
            echo "$(odoo_tree_series "$2") $(odoo_tree_queue_job "$2") $(odoo_tree_label "$2")"
            ;;
        check) odoo_tree_check "$2" ;;
        source) odoo_tree_source "$2" ;;
        missing-kinds) shift; odoo_tree_missing_kinds "$@" ;;
        *)
            echo "usage: $0 list | describe DIR | check DIR | source DIR | missing-kinds DIR..." >&2
            exit 2
            ;;
    esac
fi
