#!/usr/bin/env bash
# A real upgrade: install the addon at an old commit (default 849435a, version 19.0.1.2.0) in a database of
# its own, seed what the 19.0.1.3.0 renames touch, update it with this working tree's code, then print the
# checks and any ERROR/WARNING/CRITICAL line of the update's log. Needs ./dev's set-up (run ./dev test once).
#   tools/upgrade_check/run.sh [OLD_COMMIT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=${1:-849435a}
WORK=$(mktemp -d)
DB=xts_upgrade_check_$$
PY=$ROOT/.cache/venv/bin/python
ODOO_PATH=$ROOT/.cache/odoo-root/usr/lib/python3/dist-packages
export PGHOST=${PGHOST:-/var/run/postgresql}
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1 || true; git -C "$ROOT" worktree remove --force "$WORK/old" >/dev/null 2>&1 || true; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach "$WORK/old" "$OLD" >/dev/null
config() {  # config ADDONS_ROOT → a config file path
    local cfg=$WORK/$(basename "$1").cfg
    grep -v '^addons_path\|^data_dir\|^http_port\|^max_cron_threads' "$ROOT/.cache/odoo.cfg" > "$cfg"
    printf 'addons_path = %s/odoo/addons,%s\ndata_dir = %s/data\nhttp_port = 8199\nmax_cron_threads = 0\n' \
        "$ODOO_PATH" "$1" "$WORK" >> "$cfg"
    echo "$cfg"
}
odoo() {  # odoo ADDONS_ROOT args...
    local addons=$1; shift
    (cd "$WORK" && PYTHONPATH=$ODOO_PATH:$addons "$PY" -m odoo "$@")
}
OLD_CFG=$(config "$WORK/old"); NEW_CFG=$(config "$ROOT")
odoo "$WORK/old" server -c "$OLD_CFG" -d "$DB" -i xero_timesync --stop-after-init --logfile="$WORK/install.log"
odoo "$WORK/old" shell -c "$OLD_CFG" -d "$DB" --no-http --log-level=warn < "$ROOT/tools/upgrade_check/seed_19_0_1_2_0.py" | grep '^SEED'
odoo "$ROOT" server -c "$NEW_CFG" -d "$DB" -u xero_timesync --stop-after-init --logfile="$WORK/upgrade.log"
echo "update exit code: 0; its log's ERROR/WARNING/CRITICAL lines:"
grep -E "ERROR|WARNING|CRITICAL" "$WORK/upgrade.log" || echo "(none)"
odoo "$ROOT" shell -c "$NEW_CFG" -d "$DB" --no-http --log-level=warn < "$ROOT/tools/upgrade_check/check_19_0_1_3_0.py" | sed -n '/^CHECK/,$p'
