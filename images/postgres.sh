# shellcheck shell=bash
# The recipe of the test cluster's PostgreSQL: Debian's postgresql-15 on a
# slim minbase root, user postgres 999:999 as in the official image, and an
# entry point with its POSTGRES_* environment (postgres/docker-entrypoint.sh).
# A stand-in tagged as the chart's default image, for the test cluster only
# (images/README.md). Sourced by images/cluster.sh after lib.sh and
# node-base.sh (debian_suite, debian_mirrors, slim_dpkg_options).

pg_major=15
# Read from the chart, so the stand-in follows its default tag.
postgres_name() {
  local values="$images_repo/charts/vilicus/values.yaml"
  awk '
    /^postgresql:/ { pg = 1; next }
    pg && /^[^ ]/ { pg = 0 }
    pg && /^    repository:/ { repo = $2 }
    pg && /^    tag:/ { gsub(/\x27|"/, "", $2); tag = $2 }
    END { if (repo && tag) print repo ":" tag }
  ' "$values"
}

# Before the packages: no "main" cluster (the entry point runs initdb on
# $PGDATA), and the postgres user at 999 so that postgresql-common's adduser
# finds it instead of picking a free system uid. passwd is not there yet.
# /run is kept (mmdebstrap would empty it): the socket folder lives there, as
# in the official image, for a container that mounts nothing on it.
postgres_rootfs() {
  local tar=$1
  debian_mirrors "$debian_suite" |
    mmdebstrap --quiet --variant=minbase --format=tar "${slim_dpkg_options[@]}" \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --skip=cleanup/run \
      --include="postgresql-$pg_major" \
      --essential-hook='mkdir -p "$1/etc/postgresql-common"' \
      --essential-hook='echo "create_main_cluster = false" >"$1/etc/postgresql-common/createcluster.conf"' \
      --essential-hook='echo "postgres:x:999:999:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash" >>"$1/etc/passwd"' \
      --essential-hook='echo "postgres:x:999:" >>"$1/etc/group"' \
      --customize-hook="copy-in $images_repo/images/postgres/docker-entrypoint.sh /usr/local/bin" \
      --customize-hook='chroot "$1" install -d -o postgres -g postgres -m 3777 /var/run/postgresql' \
      --customize-hook='chroot "$1" install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data' \
      --customize-hook='rm -f "$1"/etc/ssl/private/ssl-cert-snakeoil.key "$1"/etc/ssl/certs/ssl-cert-snakeoil.pem "$1"/run/adduser' \
      "$debian_suite" "$tar.partial" - >"$tar.log" 2>&1 ||
    die "mmdebstrap failed: $(tail -n 30 "$tar.log")"
  mv "$tar.partial" "$tar"
}

# The official image's configuration, but USER 999: its entry point starts
# as root and drops to postgres with gosu; this one is postgres from the start.
import_postgres() {
  local tar=$1 name=$2
  podman import --quiet \
    --change "ENV PATH=/usr/lib/postgresql/$pg_major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV PG_MAJOR=$pg_major" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'USER 999:999' \
    --change 'VOLUME /var/lib/postgresql/data' \
    --change 'EXPOSE 5432' \
    --change 'STOPSIGNAL SIGINT' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    "$tar" "$name" >/dev/null
}

# ensure_postgres LIST
ensure_postgres() {
  local list=$1 name key dir archive
  name=$(postgres_name)
  [[ -n $name ]] || die "no postgresql.image in charts/vilicus/values.yaml"
  key="$debian_suite-postgresql-$pg_major-$(hash_of "$images_repo/images/postgres.sh" \
    "$images_repo/images/postgres/docker-entrypoint.sh" -- "$name")"
  dir="$images_cache/postgres/$key"
  archive="$dir/postgres.tar"
  if ! cached_archive "$name" "$archive"; then
    mkdir -p "$dir"
    [[ -f $dir/rootfs.tar ]] ||
      timed "postgres rootfs $key (about two minutes)" postgres_rootfs "$dir/rootfs.tar"
    local old
    old=$(image_id "$name" || true)
    timed "import $name" import_postgres "$dir/rootfs.tar" "$name"
    timed "save $name" save_archive "$name" "$archive"
    [[ -z $old || $old == "$(image_id "$name")" ]] || podman rmi "$old" >/dev/null 2>&1 || true
    forget_other_dirs "$images_cache/postgres" "$dir"
  fi
  list_image "$list" "$name" "$archive"
}
