# A THROW-AWAY PostgreSQL cluster for an interop test (source it after lib.sh):
# initdb as the postgres user under the test's scratch folder $W, pg_ctl
# with a unix socket in that folder only (no TCP), stopped at exit (before
# lib.sh removes $W). The machine's own cluster is never touched.
#
#   pg_cluster_start           → PGD (socket dir), PORT; fails the test if it cannot
#   pg_createdb DB [OWNER]
#   pg_sql DB ARGS...          psql -X -q -A -t on DB (add -c SQL or a here-document)
#   pg_conn DB [USER]          the connection string sixd takes (postgresql:///DB?host=…)

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGD=$W/pg
PORT=$((20000 + RANDOM % 20000))

pg_as() { runuser -u postgres -- "$@"; }

pg_cleanup() {
  local rc=$?
  if [[ -f $PGD/data/postmaster.pid ]]; then
    pg_as "$PGBIN/pg_ctl" -D "$PGD/data" stop -m fast -w >/dev/null 2>&1
  fi
  (exit $rc)
  six_cleanup
}

pg_cluster_start() {
  if [[ -z $PGBIN || ! -x $PGBIN/initdb ]] || ! id postgres >/dev/null 2>&1; then
    fail "$T_NAME" "PostgreSQL server binaries or the postgres user missing (scripts/deps: postgresql)"
    finish
  fi
  chmod 711 "$W"   # root's 0700 scratch folder: postgres must reach its own folder in it
  mkdir -p "$PGD" && chown postgres: "$PGD" && chmod 700 "$PGD"
  trap pg_cleanup EXIT
  if ! pg_as "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres --no-sync >"$W/initdb.log" 2>&1; then
    fail "$T_NAME" "initdb: $(tail -n 5 "$W/initdb.log")"; finish
  fi
  # fsync off: the test is about who owns an address, not about power loss.
  if ! pg_as "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
       -o "-k $PGD -h '' -p $PORT -c fsync=off -c max_connections=40" start >"$W/pg_ctl.log" 2>&1; then
    fail "$T_NAME" "pg_ctl start: $(tail -n 5 "$PGD/server.log" 2>/dev/null)"; finish
  fi
}

pg_createdb() { pg_as "$PGBIN/createdb" -h "$PGD" -p "$PORT" -O "${2:-postgres}" "$1"; }
pg_sql() { local db=$1; shift; pg_as "$PGBIN/psql" -X -q -A -t -h "$PGD" -p "$PORT" -d "$db" -v ON_ERROR_STOP=1 "$@"; }
pg_conn() { echo "postgresql:///$1?host=$PGD&port=$PORT&user=${2:-postgres}"; }
