# moto: SQS and S3 on 127.0.0.1:5000 (sourced by scripts/servers).
MOTO_PORT=${MOTO_PORT:-5000}

moto_status() { answers 127.0.0.1 "$MOTO_PORT"; }

moto_up() {
    if moto_status; then echo "servers: moto already answers on 127.0.0.1:$MOTO_PORT"; return 0; fi
    # moto's server needs its extras (Flask, flask-cors), not just the moto package.
    python3 -c "import moto.server, flask, flask_cors" 2>/dev/null || python3 -m pip install -q "moto[server]" || return 1
    nohup moto_server -H 127.0.0.1 -p "$MOTO_PORT" > "$state/moto.log" 2>&1 &
    echo $! > "$state/moto.pid"
    wait_until_answers moto 127.0.0.1 "$MOTO_PORT" 30
}
