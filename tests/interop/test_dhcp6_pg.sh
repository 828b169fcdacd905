#!/usr/bin/env bash
# The DHCPv6 PostgreSQL lease store (src/dhcp6/lease_pg.c) against a real
# PostgreSQL: a THROW-AWAY cluster made with initdb in this test's scratch
# folder, owned by the postgres user, listening on a unix socket in that
# folder only (no TCP), stopped and removed at exit. The machine's own
# cluster is never touched. build/tests/interop/lease_pg_driver drives the
# store's ops directly:
#   - the compare-and-swap rules, a batch, load(); the same for DSTM IPv4 leases;
#   - two AIIH servers (tests/interop/aiih_pg.c) on one pool: no IPv4 address twice;
#   - two processes x 4 connections committing random addresses of one
#     32-address pool for 24 DUIDs at once: no address held by two DUIDs,
#     every OK commit the address's owner, every conflict against another;
#   - schema migration from a hand-made version-1 table; two servers
#     migrating one fresh database at the same moment; a newer schema refused;
#   - a database that stops answering (a transaction holds the table
#     locked): commits past the cap fail at once, the rest after 5 s, and
#     commits go on when the lock goes;
#   - pg_terminate_backend, and the server refusing the store's role for 2 s
#     (ALTER ROLE NOLOGIN): LEASE_FAILED, one error line per outage, then
#     recovery.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_cluster.sh"
need_root

BUILD=${BUILD:-build}
DRIVER=$BUILD/tests/interop/lease_pg_driver
[[ -x $DRIVER ]] || { fail "$T_NAME" "$DRIVER not built: make tests"; finish; }
pg_cluster_start
ok "throw-away cluster on $PGD (unix socket only)"
conn() { pg_conn "$@"; }
psql_q() { pg_sql "$@"; }

# kill runs as an ordinary role owning its database (PostgreSQL 15: only the
# owner creates in schema public), which the test can refuse for a while.
psql_q postgres -c "CREATE ROLE sixd_lease LOGIN" || fail "create role"
for db in cas v4 aiih stress kill stall mig mig2 newer; do
  owner=postgres; [[ $db == kill ]] && owner=sixd_lease
  pg_createdb "$db" "$owner" || fail "createdb $db"
done

# Driver lines come out as they are ("ok - ..." / "not ok - ...").
drive() { "$DRIVER" "$@" 2>>"$W/driver.log" || T_FAILED=$((T_FAILED + 1)); }

# 1. the compare-and-swap rules, one batch, load().
drive cas "$(conn cas)"
# 1b. the same rules for DSTM IPv4 leases (LEASE_V4 keys, whole and port sets).
drive v4 "$(conn v4)"
# 1c. two AIIH servers (simulated stacks) on one database: no IPv4 address given twice.
AIIH_PG=$BUILD/tests/interop/aiih_pg
if [[ -x $AIIH_PG ]]; then
  "$AIIH_PG" "$(conn aiih)" 2>>"$W/driver.log" || T_FAILED=$((T_FAILED + 1))
else
  fail "aiih: $AIIH_PG not built: make tests"
fi

# 2. two processes x 4 connections at once on one small pool.
"$DRIVER" stress "$(conn stress)" 1 150 32 "$W/stress1.out" >"$W/stress1.tap" 2>>"$W/driver.log" &
p1=$!
"$DRIVER" stress "$(conn stress)" 2 150 32 "$W/stress2.out" >"$W/stress2.tap" 2>>"$W/driver.log" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
cat "$W/stress1.tap" "$W/stress2.tap"
((r1 == 0 && r2 == 0)) || fail "stress processes" "exit $r1 $r2"
dups=$(psql_q stress -c "SELECT count(*) FROM (SELECT addr FROM sixstack_leases GROUP BY addr HAVING count(DISTINCT duid) > 1) d")
[[ $dups == 0 ]] && ok "stress: SELECT shows no address held by two DUIDs" || fail "stress: addresses held twice: $dups"
drive check "$(conn stress)" "$W/stress1.out" "$W/stress2.out"

# 3. migration from version 1, made by hand as an older sixd left it.
psql_q mig <<'EOF'
CREATE TABLE sixstack_schema (version integer NOT NULL);
INSERT INTO sixstack_schema VALUES (1);
CREATE TABLE sixstack_leases (
  kind smallint NOT NULL, addr inet NOT NULL, plen smallint NOT NULL,
  duid bytea NOT NULL, iaid bigint NOT NULL, state smallint NOT NULL,
  preferred bigint NOT NULL, valid bigint NOT NULL,
  cltt bigint NOT NULL, expires bigint NOT NULL,
  pool_id bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, addr));
INSERT INTO sixstack_leases VALUES
  (1, '2001:db8:1::5', 128, '\x000100010000000000000000aabb', 5, 1, 1800, 3600,
   extract(epoch from now())::bigint, extract(epoch from now())::bigint + 3600, 0);
EOF
out=$("$DRIVER" open "$(conn mig)" 2>"$W/mig.log")
ver=$(psql_q mig -c "SELECT version FROM sixstack_schema")
cols=$(psql_q mig -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'sixstack_leases' AND column_name IN ('rkey', 'server')")
if [[ $out == "loaded 1 1" && $ver == 2 && $cols == 2 ]] && grep -q "migrated from version 1 to 2" "$W/mig.log"; then
  ok "migration: version 1 → 2, the old lease kept and loaded"
else
  fail "migration: version 1 → 2" "driver '$out', version '$ver', columns '$cols': $(cat "$W/mig.log")"
fi

# Two servers at once on a fresh database: a session holds the migration's
# advisory lock while both start, so they really race for it when it goes.
key=$((0x5157ACC0DE6))
psql_q mig2 -c "SELECT pg_advisory_lock($key)" -c "SELECT pg_sleep(1.5)" >/dev/null &
plock=$!
sleep 0.5
"$DRIVER" open "$(conn mig2)" >"$W/mig2a.out" 2>"$W/mig2a.log" &
pa=$!
"$DRIVER" open "$(conn mig2)" >"$W/mig2b.out" 2>"$W/mig2b.log" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
wait $plock
steps=$(cat "$W/mig2a.log" "$W/mig2b.log" | grep -c "schema migrated")
ver=$(psql_q mig2 -c "SELECT version FROM sixstack_schema")
rows=$(psql_q mig2 -c "SELECT count(*) FROM sixstack_schema")
if ((ra == 0 && rb == 0)) && [[ $steps == 2 && $ver == 2 && $rows == 1 ]]; then
  ok "migration: two servers starting together migrate once (2 steps logged in all)"
else
  fail "migration: two servers together" "rc $ra $rb, steps $steps, version $ver, rows $rows: $(cat "$W/mig2a.log" "$W/mig2b.log")"
fi

# A schema newer than this sixd's: refused, not written to.
psql_q newer -c "CREATE TABLE sixstack_schema (version integer NOT NULL)" -c "INSERT INTO sixstack_schema VALUES (3)"
if ! "$DRIVER" open "$(conn newer)" >/dev/null 2>"$W/newer.log" && grep -q "newer than this sixd" "$W/newer.log"; then
  ok "migration: a newer schema is refused"
else
  fail "migration: a newer schema is refused" "$(cat "$W/newer.log")"
fi

# 4. connection killed, then a database refusing connections for a while.
drive kill "$(conn kill sixd_lease)" "$(conn kill)" sixd_lease

# 5. the database stops answering.
drive stall "$(conn stall)"

((T_FAILED)) && grep -v '^# log' "$W/driver.log" | tail -n 30 | sed 's/^/# /' >&2
finish
