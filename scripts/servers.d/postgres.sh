# postgres: PostgreSQL 15 with wal2json on 127.0.0.1:55432, database `eventide`, trust auth on loopback,
# wal_level=logical for change data capture (sourced by scripts/servers). The server runs as the `postgres` OS
# user, which may not be allowed into the checkout (e.g. a clone under /root), so its data, socket and log live in
# a temporary folder of its own, named after this checkout's state folder.
POSTGRES_PORT=${POSTGRES_PORT:-55432}
POSTGRES_BIN=/usr/lib/postgresql/15/bin
POSTGRES_DIR=${TMPDIR:-/tmp}/eventide-postgres-$(printf '%s' "$state" | md5sum | cut -c1-8)

postgres_status() { answers 127.0.0.1 "$POSTGRES_PORT"; }

postgres_as() {  # command...: runs as the postgres OS user, from / (it may not enter the working directory,
                 # and PostgreSQL's programs warn, or fail to find their own path, when they cannot)
    if command -v runuser >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        (cd / && $sudo -u postgres "$@")
    fi
}

postgres_up() {
    if postgres_status; then echo "servers: postgres already answers on 127.0.0.1:$POSTGRES_PORT"; return 0; fi
    apt_install postgresql-15 postgresql-15-wal2json || return 1
    [ -x "$POSTGRES_BIN/initdb" ] || { echo "servers: $POSTGRES_BIN/initdb is missing" >&2; return 1; }
    local dir=$POSTGRES_DIR data=$POSTGRES_DIR/data run=$POSTGRES_DIR/run log=$POSTGRES_DIR/postgres.log sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo mkdir -p "$data" "$run"
    $sudo chown -R postgres:postgres "$dir"
    $sudo chmod 700 "$data"
    $sudo touch "$log" && $sudo chown postgres:postgres "$log"
    ln -sfn "$log" "$state/postgres.log"  # where scripts/servers looks for logs
    if [ ! -s "$data/PG_VERSION" ]; then
        postgres_as "$POSTGRES_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-instructions \
            >> "$log" 2>&1 || { echo "servers: initdb failed; log: $log" >&2; tail -20 "$log" >&2; return 1; }
        postgres_as tee -a "$data/postgresql.conf" >/dev/null <<CONF
# Eventide CDC (scripts/servers.d/postgres.sh)
listen_addresses = '127.0.0.1'
port = $POSTGRES_PORT
unix_socket_directories = '$run'
wal_level = logical
max_replication_slots = 16
max_wal_senders = 16
fsync = off
CONF
        # Minor releases from 15.20 on load only trusted output plugins (output_plugin_libraries, default
        # 'pgoutput, test_decoding'); older ones do not know the parameter and would refuse to start with it.
        # (Captured, not piped into `grep -q`: under pipefail, grep quitting at the first match makes the
        # writer die of SIGPIPE and the test fail whenever the output outgrows the pipe.)
        local parameters
        parameters=$(postgres_as "$POSTGRES_BIN/postgres" --describe-config) \
            || { echo "servers: postgres --describe-config failed" >&2; return 1; }
        if grep -q "^output_plugin_libraries" <<<"$parameters"; then
            echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'" | postgres_as tee -a "$data/postgresql.conf" >/dev/null
        fi
        postgres_as tee "$data/pg_hba.conf" >/dev/null <<HBA
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
host    replication  all   127.0.0.1/32  trust
HBA
    fi
    # A stale postmaster.pid from a killed server would stop pg_ctl; it refuses by itself when one really runs.
    postgres_as "$POSTGRES_BIN/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null \
        || { echo "servers: postgres did not start; log: $log" >&2; tail -20 "$log" >&2; return 1; }
    wait_until_answers postgres 127.0.0.1 "$POSTGRES_PORT" 30 || return 1
    if ! postgres_as psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'eventide'" | grep -q 1; then
        postgres_as psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -qc "CREATE DATABASE eventide" || return 1
    fi
    # Ready means ready for change data capture: a wal2json slot can be made (and is dropped again).
    postgres_as psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d eventide -v ON_ERROR_STOP=1 -qAt >/dev/null <<'SQL' \
        || { echo "servers: postgres cannot make a wal2json slot; log: $POSTGRES_DIR/postgres.log" >&2; return 1; }
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'eventide_readiness';
SELECT pg_create_logical_replication_slot('eventide_readiness', 'wal2json');
SELECT pg_drop_replication_slot('eventide_readiness');
SQL
}

postgres_down() {  # stops the server and removes its data (slots and WAL included): the next `up` starts clean
    local data=$POSTGRES_DIR/data sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -s "$data/postmaster.pid" ]; then
        postgres_as "$POSTGRES_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null && echo "servers: stopped postgres"
    fi
    postgres_status || { $sudo rm -rf "$POSTGRES_DIR"; rm -f "$state/postgres.log"; }
    return 0
}

postgres_admin() {  # crash: stops the server the way a power cut would (immediate: no checkpoint, every backend
                    # killed) and starts it again, which then replays its WAL (crash recovery). Slots survive.
    local data=$POSTGRES_DIR/data log=$POSTGRES_DIR/postgres.log
    case "${1:-}" in
        crash)
            postgres_as "$POSTGRES_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null \
                || { echo "servers: postgres did not stop" >&2; return 1; }
            postgres_as "$POSTGRES_BIN/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null \
                || { echo "servers: postgres did not start again; log: $log" >&2; tail -20 "$log" >&2; return 1; }
            wait_until_answers postgres 127.0.0.1 "$POSTGRES_PORT" 30 ;;
        *) echo "usage: scripts/servers admin postgres crash" >&2; return 2 ;;
    esac
}
