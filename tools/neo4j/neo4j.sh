#!/usr/bin/env bash
# Run a real Neo4j Community 5.26 server on 127.0.0.1 without Docker.
#
# The server jars come from Maven Central (tools/neo4j/pom.xml) and are cached outside the
# repository; Neo4j Community is GPLv3, so the jars are never committed.  See README.md.
#
#   tools/neo4j/neo4j.sh fetch
#   tools/neo4j/neo4j.sh start [--port N] [--dir DIR] [--keep]   # last stdout line: bolt://127.0.0.1:N
#   tools/neo4j/neo4j.sh stop  [--port N] [--dir DIR]
#   tools/neo4j/neo4j.sh status [--port N] [--dir DIR]
#
# Environment:
#   CHOKEPOINT_NEO4J_HOME   cache root (default ~/.cache/chokepoint/neo4j); jars in $CHOKEPOINT_NEO4J_HOME/lib,
#                           default server dirs in $CHOKEPOINT_NEO4J_HOME/servers/<port>
#   NEO4J_PASSWORD          if set: auth is enabled and the initial password of user "neo4j" is set to it
#   NEO4J_USER              only "neo4j" is supported by set-initial-password (default neo4j)
#   NEO4J_PORT              default port for start/stop/status (default 7687)
#   NEO4J_HEAP_INITIAL / NEO4J_HEAP_MAX / NEO4J_PAGECACHE   (default 1g / 4g / 512m)
#   NEO4J_CONF_EXTRA      more neo4j.conf lines (key=value, one per line), appended to the written file
#   NEO4J_JAVA_OPTS       extra JVM flags, split on spaces, after the defaults (e.g. -XX:+UseParallelGC)
#   NEO4J_START_TIMEOUT     seconds to wait for Bolt (default 120)
#   NEO4J_STOP_TIMEOUT      seconds between TERM and KILL (default 60)
#   NEO4J_PYTHON            python used for the readiness check (default: repo .venv, else python3)
#   JAVA                    java binary (default: java on PATH; must be 17 or 21 for 5.26)
#   NEO4J_CDS               1 (default): reuse a class-data-sharing archive made by the first clean
#                           start/stop (about a third less start-up CPU); 0: off
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
CACHE="${CHOKEPOINT_NEO4J_HOME:-$HOME/.cache/chokepoint/neo4j}"
LIB="$CACHE/lib"
JAVA="${JAVA:-java}"
MARKER_NAME=".chokepoint-neo4j"   # marks a directory created by this script (safe to wipe)

log() { printf '[neo4j.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

neo4j_version() {
    sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$POM" | head -n1
}

pick_python() {
    if [[ -n "${NEO4J_PYTHON:-}" ]]; then echo "$NEO4J_PYTHON"; return; fi
    if [[ -x "$REPO_ROOT/.venv/bin/python" ]] && "$REPO_ROOT/.venv/bin/python" -c 'import neo4j' 2>/dev/null; then
        echo "$REPO_ROOT/.venv/bin/python"; return
    fi
    echo python3
}

# ---------------------------------------------------------------------------------- fetch
cmd_fetch() {
    local version; version="$(neo4j_version)"
    [[ -n "$version" ]] || die "cannot read <neo4j.version> from $POM"
    if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$version" ]]; then
        log "jars for Neo4j $version already in $LIB ($(find "$LIB" -name '*.jar' | wc -l) jars)"
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (needed once to download the jars)"
    mkdir -p "$CACHE"
    # Serialise concurrent fetches (e.g. two test sessions starting at once), then re-check.
    if command -v flock >/dev/null; then
        exec 9>"$CACHE/.fetch.lock"
        flock 9
        if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$version" ]]; then
            exec 9>&-
            log "jars for Neo4j $version fetched meanwhile by another process"
            return 0
        fi
    fi
    local tmp="$CACHE/lib.tmp.$$"
    rm -rf "$tmp"
    log "downloading Neo4j $version runtime jars from Maven Central into $LIB ..."
    local t0=$SECONDS
    if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
            -DoutputDirectory="$tmp" -DincludeScope=runtime >"$CACHE/fetch.log" 2>&1; then
        tail -n 40 "$CACHE/fetch.log" >&2
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (full output: $CACHE/fetch.log)"
    fi
    [[ -f "$tmp/neo4j-$version.jar" ]] || { rm -rf "$tmp"; die "neo4j-$version.jar missing after copy"; }
    echo "$version" > "$tmp/.complete"
    rm -rf "$LIB" "$CACHE/cds"
    mv "$tmp" "$LIB"
    log "done in $((SECONDS - t0)) s: $(find "$LIB" -name '*.jar' | wc -l) jars, $(du -sh "$LIB" | cut -f1)"
    exec 9>&-
}

# ------------------------------------------------------------------------- arg parsing
PORT=""; DIR=""; KEEP=0
parse_args() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) PORT="${2:?--port needs a value}"; shift 2 ;;
            --port=*) PORT="${1#--port=}"; shift ;;
            --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
            --dir=*) DIR="${1#--dir=}"; shift ;;
            --keep) KEEP=1; shift ;;
            -h|--help) usage 0 ;;
            *) die "unknown argument: $1" ;;
        esac
    done
}

# Resolve PORT and DIR.  With only --dir, the port is read from DIR/neo4j.port if present.
resolve_port_dir() {
    if [[ -z "$PORT" && -n "$DIR" && -f "$DIR/neo4j.port" ]]; then PORT="$(cat "$DIR/neo4j.port")"; fi
    PORT="${PORT:-${NEO4J_PORT:-7687}}"
    [[ "$PORT" =~ ^[0-9]+$ ]] || die "bad port: $PORT"
    if [[ "$PORT" == 0 ]]; then
        PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    fi
    DIR="${DIR:-$CACHE/servers/$PORT}"
    mkdir -p "$(dirname "$DIR")"
    DIR="$(cd "$(dirname "$DIR")" && pwd)/$(basename "$DIR")"
}

# pid of the server running from $DIR, or nothing.  Checks the command line so that a
# recycled pid is never mistaken for (and killed as) our server.
running_pid() {
    local pid
    [[ -f "$DIR/neo4j.pid" ]] || return 0
    pid="$(cat "$DIR/neo4j.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "--home-dir=$DIR " || return 0
    fi
    echo "$pid"
}

# Readiness probe: the official driver's verify_connectivity() when importable, else a TCP
# connect plus a Bolt handshake (magic 0x6060B017 and four version proposals).
bolt_ready() {
    local py; py="$(pick_python)"
    # python's stdout (one informative line at most) goes to our stderr; its tracebacks are dropped
    "$py" - "$PORT" >&2 2>/dev/null <<'PY'
import os, socket, struct, sys
port = int(sys.argv[1])
try:
    from neo4j import GraphDatabase
except ImportError:
    GraphDatabase = None
if GraphDatabase is not None:
    pw = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), pw) if pw else None
    from neo4j.exceptions import AuthError
    try:
        with GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=auth,
                                  connection_timeout=3) as d:
            d.verify_connectivity()
    except AuthError:
        # Bolt is up and answering; the credentials are the caller's business.
        print("[neo4j.sh] Bolt answers, but authentication failed (check NEO4J_PASSWORD)")
    sys.exit(0)
s = socket.create_connection(("127.0.0.1", port), timeout=3)
# propose 5.8..5.0, 4.4..4.2, 4.1, 3.0
s.sendall(b"\x60\x60\xb0\x17" + struct.pack(">IIII", 0x00080805, 0x00020404, 0x00000104, 0x00000003))
resp = b""
while len(resp) < 4:
    chunk = s.recv(4 - len(resp))
    if not chunk:
        sys.exit(1)
    resp += chunk
s.close()
sys.exit(0 if resp != b"\x00\x00\x00\x00" else 1)
PY
}

log_tail() {
    local f
    for f in "$DIR/logs/console.log" "$DIR/logs/neo4j.log"; do
        [[ -s "$f" ]] && { log "---- tail of $f"; tail -n 40 "$f" >&2; }
    done
    if [[ -s "$DIR/logs/debug.log" ]]; then
        log "---- ERROR/WARN lines of $DIR/logs/debug.log"
        grep -E ' (ERROR|WARN) ' "$DIR/logs/debug.log" | tail -n 20 >&2 || true
    fi
}

# ---------------------------------------------------------------------------------- start
cmd_start() {
    parse_args "$@"
    resolve_port_dir
    local pid; pid="$(running_pid)"
    [[ -z "$pid" ]] || die "a server is already running from $DIR (pid $pid); stop it first"

    if python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1',$PORT))==0 else 1)"; then
        die "port $PORT on 127.0.0.1 is already in use"
    fi

    cmd_fetch
    "$JAVA" -version >/dev/null 2>&1 || die "java not found ($JAVA)"

    # A fresh home directory each start, unless --keep.  Only directories this script
    # created (marker file) or empty ones are ever wiped.
    if [[ -d "$DIR" && -n "$(ls -A "$DIR")" ]]; then
        [[ -f "$DIR/$MARKER_NAME" ]] || die "$DIR exists, is not empty and was not created by neo4j.sh; refusing to use it"
        if [[ "$KEEP" == 0 ]]; then
            rm -rf "$DIR"
        fi
    fi
    mkdir -p "$DIR"/{conf,data,logs,plugins,import,run}
    touch "$DIR/$MARKER_NAME"

    local auth_enabled=false
    if [[ -n "${NEO4J_PASSWORD:-}" ]]; then
        auth_enabled=true
        [[ "${NEO4J_USER:-neo4j}" == neo4j ]] || log "WARNING: only user 'neo4j' gets the initial password; NEO4J_USER=${NEO4J_USER} will not exist"
    fi

    cat > "$DIR/conf/neo4j.conf" <<EOF
# Written by tools/neo4j/neo4j.sh -- Neo4j $(neo4j_version) Community, local test server.
# Only 5.26 keys: strict validation refuses keys that exist only in 2025.x releases.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$PORT
server.bolt.advertised_address=127.0.0.1:$PORT
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=$auth_enabled
dbms.security.auth_minimum_password_length=1
server.directories.data=$DIR/data
server.directories.logs=$DIR/logs
server.directories.plugins=$DIR/plugins
server.directories.import=$DIR/import
server.directories.run=$DIR/run
server.memory.heap.initial_size=${NEO4J_HEAP_INITIAL:-1g}
server.memory.heap.max_size=${NEO4J_HEAP_MAX:-4g}
server.memory.pagecache.size=${NEO4J_PAGECACHE:-512m}
db.tx_log.preallocate=false
dbms.usage_report.enabled=false
EOF
    if [[ -n "${NEO4J_CONF_EXTRA:-}" ]]; then
        printf '%s\n' "$NEO4J_CONF_EXTRA" >> "$DIR/conf/neo4j.conf"
    fi

    if [[ "$auth_enabled" == true && ! -e "$DIR/data/dbms/auth.ini" && ! -d "$DIR/data/databases/system" ]]; then
        log "setting the initial password of user 'neo4j'"
        NEO4J_HOME="$DIR" NEO4J_CONF="$DIR/conf" "$JAVA" -cp "$LIB/*" org.neo4j.cli.AdminTool \
            dbms set-initial-password "$NEO4J_PASSWORD" >&2 \
            || die "neo4j-admin dbms set-initial-password failed"
    elif [[ "$auth_enabled" == true ]]; then
        log "WARNING: --keep on an existing store: the password of the existing store is kept"
    fi

    # JVM flags: what the neo4j launcher (bin/neo4j + default neo4j.conf) passes on Java 17/21.
    local -a jvm=(
        "-Xms${NEO4J_HEAP_INITIAL:-1g}" "-Xmx${NEO4J_HEAP_MAX:-4g}"
        -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC
        -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields
        -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
        -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
        --add-opens=java.base/java.nio=ALL-UNNAMED
        --add-opens=java.base/java.io=ALL-UNNAMED
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
        --enable-native-access=ALL-UNNAMED
    )
    if [[ -n "${NEO4J_JAVA_OPTS:-}" ]]; then
        local -a extra; read -r -a extra <<< "$NEO4J_JAVA_OPTS"; jvm+=("${extra[@]}")
    fi
    # Class-data sharing: the first clean run dumps an archive at exit (stop adopts it into the
    # cache); later starts map it.  A stale/mismatching archive is ignored by the JVM (-Xshare:auto).
    rm -f "$DIR/run/neo4j-cds.jsa" "$DIR/run/cds.target"
    if [[ "${NEO4J_CDS:-1}" == 1 ]]; then
        local jv cds
        jv="$("$JAVA" -version 2>&1 | sed -n '1s/.*"\(.*\)".*/\1/p')"
        cds="$CACHE/cds/neo4j-$(neo4j_version)-java-${jv:-unknown}.jsa"
        if [[ -s "$cds" ]]; then
            jvm+=("-XX:SharedArchiveFile=$cds")
        else
            jvm+=("-XX:ArchiveClassesAtExit=$DIR/run/neo4j-cds.jsa")
            echo "$cds" > "$DIR/run/cds.target"
        fi
    fi
    echo "$PORT" > "$DIR/neo4j.port"
    cat > "$DIR/neo4j.env" <<EOF
NEO4J_URI=bolt://127.0.0.1:$PORT
NEO4J_USER=neo4j
EOF

    log "starting Neo4j $(neo4j_version) on bolt://127.0.0.1:$PORT (home $DIR)"
    local t0; t0=$(date +%s.%N)
    (
        cd "$DIR"
        exec setsid nohup "$JAVA" "${jvm[@]}" -cp "$LIB/*" org.neo4j.server.CommunityEntryPoint \
            --home-dir="$DIR" --config-dir="$DIR/conf" \
            </dev/null >"$DIR/logs/console.log" 2>&1
    ) &
    pid=$!
    echo "$pid" > "$DIR/neo4j.pid"

    local timeout="${NEO4J_START_TIMEOUT:-120}" deadline=$((SECONDS + ${NEO4J_START_TIMEOUT:-120}))
    while true; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server process $pid exited during start-up"
            log_tail; rm -f "$DIR/neo4j.pid"; exit 1
        fi
        if bolt_ready; then break; fi
        if (( SECONDS >= deadline )); then
            log "Bolt did not answer on 127.0.0.1:$PORT within ${timeout} s"
            log_tail
            kill -TERM "$pid" 2>/dev/null || true; sleep 5; kill -KILL "$pid" 2>/dev/null || true
            rm -f "$DIR/neo4j.pid"; exit 1
        fi
        sleep 0.5
    done
    log "up (pid $pid) after $(python3 -c "import sys; print(f'{float(sys.argv[1])-float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$t0") s"
    echo "bolt://127.0.0.1:$PORT"
}

# ----------------------------------------------------------------------------------- stop
cmd_stop() {
    parse_args "$@"
    resolve_port_dir
    local pid; pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        log "no server running from $DIR"
        rm -f "$DIR/neo4j.pid"
        return 0
    fi
    log "stopping pid $pid ($DIR)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + ${NEO4J_STOP_TIMEOUT:-60})) clean=1
    while kill -0 "$pid" 2>/dev/null; do
        if (( SECONDS >= deadline )); then
            log "still alive after ${NEO4J_STOP_TIMEOUT:-60} s: KILL"
            kill -KILL "$pid" 2>/dev/null || true
            clean=0
            sleep 1
            break
        fi
        sleep 0.5
    done
    rm -f "$DIR/neo4j.pid"
    # adopt the class-data-sharing archive dumped at a clean exit (see start)
    if [[ "$clean" == 1 && -s "$DIR/run/neo4j-cds.jsa" && -f "$DIR/run/cds.target" ]]; then
        local target; target="$(cat "$DIR/run/cds.target")"
        if [[ ! -e "$target" ]]; then
            mkdir -p "$(dirname "$target")"
            cp "$DIR/run/neo4j-cds.jsa" "$target.tmp.$$" && mv -f "$target.tmp.$$" "$target" \
                && log "class-data-sharing archive saved: $target"
        fi
    fi
    rm -f "$DIR/run/neo4j-cds.jsa" "$DIR/run/cds.target"
    log "stopped"
}

# --------------------------------------------------------------------------------- status
cmd_status() {
    parse_args "$@"
    if [[ -z "$PORT" && -z "$DIR" ]]; then
        # every server dir under the cache
        local d any=0 rc=3
        for d in "$CACHE"/servers/*/; do
            [[ -f "$d/neo4j.port" ]] || continue
            any=1
            ( DIR="${d%/}"; PORT=""; resolve_port_dir; status_one ) && rc=0 || true
        done
        [[ "$any" == 1 ]] || log "no servers under $CACHE/servers"
        [[ -f "$LIB/.complete" ]] && log "jars: Neo4j $(cat "$LIB/.complete") in $LIB" || log "jars: not fetched"
        return $rc
    fi
    resolve_port_dir
    status_one
}

status_one() {
    local pid; pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        echo "stopped  $DIR"
        return 3
    fi
    if bolt_ready; then
        echo "running  pid=$pid  bolt://127.0.0.1:$PORT  $DIR"
        return 0
    fi
    echo "starting pid=$pid  bolt://127.0.0.1:$PORT (Bolt not answering yet)  $DIR"
    return 0
}

case "${1:-}" in
    fetch)  shift; cmd_fetch "$@" ;;
    start)  shift; cmd_start "$@" ;;
    stop)   shift; cmd_stop "$@" ;;
    status) shift; cmd_status "$@" ;;
    -h|--help|help) usage 0 ;;
    *) usage 2 ;;
esac
