#!/usr/bin/env bash
# A local PostgreSQL server for tickflow's tests and for trying `--store postgres://…`, from
# Debian's packages (apt-get install postgresql): no Docker. It uses the packaged cluster
# (pg_lsclusters), starts it, and creates the tickflow role and database once.
#
#   infra/postgres/postgres.sh start    start the cluster (when stopped), create role + database; prints the URL
#   infra/postgres/postgres.sh stop     stop the cluster
#   infra/postgres/postgres.sh status   exit 0 when the server answers, 1 otherwise
#   infra/postgres/postgres.sh url      the URL tests and tickflow use (DATABASE_URL / --store)
#
# Environment (all optional):
#   TICKFLOW_PG_USER=tickflow  TICKFLOW_PG_PASSWORD=tickflow  TICKFLOW_PG_DB=tickflow
set -euo pipefail

USER_NAME="${TICKFLOW_PG_USER:-tickflow}"
PASSWORD="${TICKFLOW_PG_PASSWORD:-tickflow}"
DB="${TICKFLOW_PG_DB:-tickflow}"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

command -v pg_lsclusters >/dev/null 2>&1 || die "no PostgreSQL here: apt-get install -y postgresql"

# The first cluster of the newest installed version: "<version> <name> <port>".
cluster() {
  pg_lsclusters --no-header | sort -k1,1nr | awk 'NR == 1 { print $1, $2, $3 }'
}

read -r VERSION NAME PORT <<<"$(cluster)"
if [[ -z "${VERSION:-}" ]]; then
  # The package normally creates "main"; a minimal install may not have.
  VERSION="$(ls /usr/lib/postgresql | sort -nr | head -n1)"
  [[ -n "$VERSION" ]] || die "no PostgreSQL version under /usr/lib/postgresql"
  pg_createcluster "$VERSION" main >/dev/null
  read -r VERSION NAME PORT <<<"$(cluster)"
fi

as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$USER_NAME" "$PASSWORD" "$PORT" "$DB"; }

answers() { pg_isready -q -h 127.0.0.1 -p "$PORT"; }

case "${1:-}" in
  start)
    # Only the URL goes to standard output (callers capture it); what the tools print, such as
    # pg_ctlcluster's "Removed stale pid file.", goes to standard error.
    exec 3>&1 1>&2
    if ! answers; then
      if [[ "$(id -u)" -eq 0 ]]; then pg_ctlcluster "$VERSION" "$NAME" start 3>&-; else sudo pg_ctlcluster "$VERSION" "$NAME" start 3>&-; fi
      for _ in $(seq 1 60); do
        answers && break
        sleep 0.5
      done
      answers || die "cluster $VERSION/$NAME on port $PORT did not start; see /var/log/postgresql/postgresql-$VERSION-$NAME.log"
    fi
    if [[ "$(as_postgres psql -p "$PORT" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME'")" != "1" ]]; then
      as_postgres psql -q -p "$PORT" -c "CREATE ROLE \"$USER_NAME\" LOGIN PASSWORD '$PASSWORD'"
    fi
    if [[ "$(as_postgres psql -p "$PORT" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]]; then
      as_postgres createdb -p "$PORT" -O "$USER_NAME" "$DB"
    fi
    say "PostgreSQL $VERSION ($NAME) answers on 127.0.0.1:$PORT"
    url >&3
    ;;
  stop)
    if [[ "$(id -u)" -eq 0 ]]; then pg_ctlcluster "$VERSION" "$NAME" stop; else sudo pg_ctlcluster "$VERSION" "$NAME" stop; fi
    ;;
  status) answers ;;
  url) url ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
