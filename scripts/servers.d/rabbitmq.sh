# rabbitmq: Debian's rabbitmq-server as node eventide@localhost, AMQP on 127.0.0.1:5672 (sourced by scripts/servers).
# Everything the node writes (data, logs, config, Erlang cookie) lives under $state/rabbitmq. The package's own
# system service is kept from starting (or stopped) so that it does not hold the ports. epmd is started here, on
# loopback, with its PID recorded, and stopped by that PID. When 5672 is taken by something else, the node listens
# on 55672 and the port is written to $state/rabbitmq.port, where LocalServer.rabbitmq reads it.
RABBITMQ_HOME_DIR=$state/rabbitmq
RABBITMQ_NODE=eventide@localhost

rabbitmq_port() {  # the AMQP port this node uses (or will use)
    if [ -n "${EVENTIDE_RABBITMQ_PORT:-}" ]; then echo "$EVENTIDE_RABBITMQ_PORT"
    elif [ -s "$state/rabbitmq.port" ]; then cat "$state/rabbitmq.port"
    else echo 5672; fi
}

rabbitmq_env() {  # the environment every rabbitmq command of this node runs with
    local port=$1
    export HOME=$RABBITMQ_HOME_DIR/home
    export RABBITMQ_NODENAME=$RABBITMQ_NODE
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$port
    export RABBITMQ_DIST_PORT=$((port == 5672 ? 25672 : 25673))
    export RABBITMQ_MNESIA_BASE=$RABBITMQ_HOME_DIR/mnesia
    export RABBITMQ_LOG_BASE=$RABBITMQ_HOME_DIR/log
    export RABBITMQ_CONFIG_FILE=$RABBITMQ_HOME_DIR/rabbitmq.conf
    export RABBITMQ_CONF_ENV_FILE=$RABBITMQ_HOME_DIR/rabbitmq-env.conf
    export RABBITMQ_ENABLED_PLUGINS_FILE=$RABBITMQ_HOME_DIR/enabled_plugins
    export RABBITMQ_PID_FILE=$state/rabbitmq-node.pid
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_CRASH_DUMP=$RABBITMQ_HOME_DIR/erl_crash.dump  # not in the working directory
    # Erlang distribution (inter-node and rabbitmqctl) on loopback too, not on every interface.
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

rabbitmq_ctl() {  # seconds args...: rabbitmqctl against this node, bounded, in a subshell with its environment
    local seconds=$1; shift
    (rabbitmq_env "$(rabbitmq_port)"; timeout "$seconds" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODE" "$@")
}

rabbitmq_admin() { rabbitmq_ctl 30 "$@"; }  # scripts/servers admin rabbitmq close_all_connections "why"

rabbitmq_status() { [ -e "$state/rabbitmq.pid" ] && answers 127.0.0.1 "$(rabbitmq_port)"; }

rabbitmq_install() {
    apt_installed rabbitmq-server && return 0
    # The package's postinst starts a system service unless policy-rc.d says no (101): say no while installing.
    local policy=/usr/sbin/policy-rc.d temporary="" sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && temporary=1
    fi
    apt_install rabbitmq-server; local status=$?
    [ -n "$temporary" ] && $sudo rm -f "$policy"
    return $status
}

rabbitmq_stop_system_service() {  # in case a system service started anyway (e.g. a machine with systemd)
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
        echo "servers: stopping the system rabbitmq-server service so that it does not hold the ports"
        $sudo systemctl stop rabbitmq-server
    fi
}

rabbitmq_up() {
    if rabbitmq_status; then echo "servers: rabbitmq already answers on 127.0.0.1:$(rabbitmq_port)"; return 0; fi
    rabbitmq_install || return 1
    rabbitmq_stop_system_service
    rm -f "$state/rabbitmq.port"
    local port=${EVENTIDE_RABBITMQ_PORT:-5672}
    if answers 127.0.0.1 "$port"; then
        [ -n "${EVENTIDE_RABBITMQ_PORT:-}" ] && { echo "servers: 127.0.0.1:$port is taken; choose another EVENTIDE_RABBITMQ_PORT" >&2; return 1; }
        port=55672
        echo "servers: 127.0.0.1:5672 is taken by another program; rabbitmq will listen on $port"
        echo "$port" > "$state/rabbitmq.port"
    fi
    mkdir -p "$RABBITMQ_HOME_DIR/home" "$RABBITMQ_HOME_DIR/log"
    printf 'loopback_users.guest = true\nlog.console = false\nlog.file.level = info\n' > "$RABBITMQ_HOME_DIR/rabbitmq.conf"
    : > "$RABBITMQ_HOME_DIR/rabbitmq-env.conf"
    echo '[].' > "$RABBITMQ_HOME_DIR/enabled_plugins"
    (
        rabbitmq_env "$port"
        # Our own epmd on loopback, unless one already runs (then the node registers with it).
        if ! answers 127.0.0.1 4369; then
            nohup epmd -address 127.0.0.1 > "$state/rabbitmq-epmd.log" 2>&1 &
            echo $! > "$state/rabbitmq-epmd.pid"
        fi
        nohup /usr/lib/rabbitmq/bin/rabbitmq-server > "$state/rabbitmq.log" 2>&1 &
        echo $! > "$state/rabbitmq.pid"
    )
    wait_until_answers rabbitmq 127.0.0.1 "$port" 60 || return 1
    # The port opens before the node has finished booting; await_startup returns when it has.
    if ! rabbitmq_ctl 60 await_startup --timeout 55 >> "$state/rabbitmq.log" 2>&1; then
        echo "servers: rabbitmq did not finish booting within 60 s; log: $state/rabbitmq.log and $RABBITMQ_HOME_DIR/log" >&2
        tail -20 "$state/rabbitmq.log" >&2
        return 1
    fi
    echo "servers: rabbitmq node $RABBITMQ_NODE is ready on 127.0.0.1:$port"
}

rabbitmq_down() {
    if [ -e "$state/rabbitmq.pid" ]; then
        # A graceful stop first (bounded), then the launcher script and the Erlang VM by their PIDs.
        rabbitmq_ctl 20 stop >/dev/null 2>&1
        stop_pid rabbitmq "$state/rabbitmq.pid"
    fi
    [ -e "$state/rabbitmq-node.pid" ] && stop_pid rabbitmq-node "$state/rabbitmq-node.pid"
    [ -e "$state/rabbitmq-epmd.pid" ] && stop_pid rabbitmq-epmd "$state/rabbitmq-epmd.pid"
    rm -f "$state/rabbitmq.port"
    return 0
}
