#!/usr/bin/env bash
# Ensure a local PostgreSQL server is running and reachable for tests.
#
# Idempotent: safe to run any number of times. On success the test DSN
#   postgres://debrief:debrief@127.0.0.1:5432/postgres?sslmode=disable
# works (role "debrief", LOGIN CREATEDB, password "debrief").
#
# Installs the Debian "postgresql" package if needed, so it must run as root.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PG_HOST=127.0.0.1
PG_PORT=5432
ROLE=debrief
PASSWORD=debrief

log() { echo "postgres.sh: $*" >&2; }

# Can the debrief role log in with a password over TCP?
role_login_ok() {
	PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" \
		-U "$ROLE" -d postgres -tAc 'select 1' >/dev/null 2>&1
}

ok() {
	echo "postgres ok: postgres://$ROLE:$PASSWORD@$PG_HOST:$PG_PORT/postgres?sslmode=disable (cluster $PG_VERSION/$PG_CLUSTER)"
}

if [ "$(id -u)" -ne 0 ]; then
	# Nothing to do if someone already set things up.
	if command -v psql >/dev/null 2>&1 && role_login_ok; then
		ok
		exit 0
	fi
	log "must run as root to install/start PostgreSQL and create the '$ROLE' role."
	log "run:  sudo bash scripts/postgres.sh"
	log "or point tests at an existing server: DEBRIEF_TEST_POSTGRES=postgres://user:pass@host:port/db?sslmode=disable"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# 1. Packages.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]; then
	log "installing postgresql"
	apt-get update -q
	apt-get install -y -q postgresql
fi

# 2. Cluster exists.
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
	log "creating cluster $PG_VERSION/$PG_CLUSTER"
	pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT"
fi

# 3. Cluster running. The socket directory lives on a tmpfs on real machines
#    and may be missing in fresh containers.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
status="$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }')"
if [ "$status" != "online" ]; then
	log "starting cluster $PG_VERSION/$PG_CLUSTER (status: ${status:-unknown})"
	# Exit code 2 means "already running" (e.g. a race with another start).
	rc=0
	pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		log "pg_ctlcluster start failed (exit $rc); last log lines:"
		tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" >&2 || true
		exit 1
	fi
fi

# 4. Wait (bounded) for the server to accept TCP connections.
for _ in $(seq 1 60); do
	if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
		break
	fi
	sleep 0.5
done
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
	log "server not accepting connections on $PG_HOST:$PG_PORT after 30s"
	tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" >&2 || true
	exit 1
fi

# 5. Role. Create it if missing; always (re)apply attributes and password so a
#    drifted role is repaired. Run from / so psql can't complain about $PWD.
(
	cd /
	runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres <<SQL
SELECT format('CREATE ROLE %I', '$ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$PASSWORD';
SQL
)

# 6. Prove password auth over TCP works (Debian's pg_hba.conf uses
#    scram-sha-256 for host 127.0.0.1/32).
if ! role_login_ok; then
	log "role '$ROLE' cannot log in over $PG_HOST:$PG_PORT with a password."
	log "check /etc/postgresql/$PG_VERSION/$PG_CLUSTER/pg_hba.conf has a line like:"
	log "  host all all 127.0.0.1/32 scram-sha-256"
	exit 1
fi

ok
