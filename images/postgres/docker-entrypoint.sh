#!/bin/bash
# The entry point of the test cluster's PostgreSQL image (images/README.md):
# the environment of the official postgres image's docker-entrypoint.sh,
# for a container that already runs as the postgres user (uid 999) on a
# read-only root filesystem (writable: $PGDATA, /var/run/postgresql, /tmp).
#   POSTGRES_PASSWORD  the superuser's password (required unless
#                      POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER      the superuser (default postgres)
#   POSTGRES_DB        a database made at first start (default $POSTGRES_USER)
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256)
#   PGDATA             the data directory (default /var/lib/postgresql/data)
set -Eeuo pipefail

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# Options alone (`-c x=y`) are options to postgres.
if [[ ${1:-} == -* ]]; then
  set -- postgres "$@"
fi

init_database() {
  if [[ -z ${POSTGRES_PASSWORD:-} && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    echo 'docker-entrypoint.sh: POSTGRES_PASSWORD is empty: set it (or POSTGRES_HOST_AUTH_METHOD=trust)' >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
    ${POSTGRES_INITDB_ARGS:-}
  # As the official image: every address, and a password from anywhere but the
  # socket (local connections are trusted, initdb's default).
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A server on the socket only, to make the database.
  pg_ctl --silent --wait --options="-c listen_addresses=''" start
  if [[ $POSTGRES_DB != postgres ]]; then
    psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
      --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  pg_ctl --silent --wait --mode=fast stop
  echo 'docker-entrypoint.sh: PostgreSQL init process complete; ready for start up.'
}

if [[ ${1:-} == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  init_database
fi
exec "$@"
