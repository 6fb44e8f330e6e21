#!/usr/bin/env bash
# A region's group in one terminal (README: "A region's group: one shared
# klipp"). Starts its own PostgreSQL and MinIO on free loopback ports in a
# temporary directory, makes a 3-minute demo site, and plays the people:
# the store's owner adds an analyst (anna), two investigators (ivar, ines)
# and an archivist (arne); ivar files a request; anna accepts it, builds
# the timeline and exports it through a klipp worker; arne pushes it to
# MinIO and places a legal hold; ivar sees the delivery and verifies the
# bundle; ines sees none of it; the audit chain verifies. Every klipp
# command is its own process with that person's HOME, klipp.yaml and
# password. Everything is stopped and removed at the end (KEEP=1 keeps the
# directory). Needs Debian's postgresql and the minio binary
# (scripts/setup.sh, scripts/minio.sh); about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/klipp-region-XXXXXX)
chmod 755 "$work"
pg_pid="" minio_pid="" worker_pid=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "${KLIPP_PG_BIN:-}" ] && pgbin=$KLIPP_PG_BIN
[ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server binaries: apt-get install postgresql (scripts/setup.sh)" >&2; exit 1; }
minio=${KLIPP_MINIO:-$(go env GOPATH)/bin/minio}
[ -x "$minio" ] || minio=$(command -v minio) || { echo "no minio: run scripts/minio.sh" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, it runs as postgres (or nobody).
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  pguser=postgres; id postgres >/dev/null 2>&1 || pguser=nobody
  as_pg() { runuser -u "$pguser" -- "$@"; }
fi

cleanup() {
  set +e
  [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
  [ -n "$minio_pid" ] && kill "$minio_pid" 2>/dev/null && wait "$minio_pid" 2>/dev/null
  [ -n "$pg_pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }

say "building klipp"
go build -o "$work/klipp" ./cmd/klipp

say "PostgreSQL on 127.0.0.1 (initdb in $work/pg)"
pgport=$(free_port)
mkdir -p "$work/pg" "$work/pgsock"
[ "$(id -u)" = 0 ] && chown "$pguser" "$work/pg" "$work/pgsock"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -o "-p $pgport -h 127.0.0.1 -k $work/pgsock" start >/dev/null
pg_pid=started
pgsu() { as_pg "$@" -h "$work/pgsock" -p "$pgport" -U postgres; }
# The README's "sudo -u postgres createuser --createrole --login --pwprompt klippadmin" and createdb:
pgsu "$pgbin/createuser" --createrole --login klippadmin
pgsu "$pgbin/psql" -X -q -d postgres -c "ALTER ROLE klippadmin PASSWORD 'pw-klippadmin'"
pgsu "$pgbin/createdb" --owner klippadmin klipp
echo "store: postgres://LOGIN@127.0.0.1:$pgport/klipp"

say "MinIO on 127.0.0.1"
mport=$(free_port)
mkdir -p "$work/minio"
MINIO_ROOT_USER=klippminio MINIO_ROOT_PASSWORD=klippminio-secret MINIO_BROWSER=off MINIO_UPDATE=off HOME="$work/minio" \
  "$minio" server "$work/minio/data" --address "127.0.0.1:$mport" --console-address "127.0.0.1:$(free_port)" --quiet >"$work/minio/log" 2>&1 &
minio_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$mport/minio/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "archive: s3://evidence at 127.0.0.1:$mport"

say "a 3-minute demo site"
"$work/klipp" demo --dir "$work/site" --length 3m >/dev/null

# Each person: a home with ~/.config/klipp/klipp.yaml naming their login.
mkdir -p "$work/exports"
chmod 777 "$work/exports"
for p in klippadmin anna ivar ines arne; do
  mkdir -p "$work/home/$p/.config/klipp"
  cat >"$work/home/$p/.config/klipp/klipp.yaml" <<EOF
timezone: Europe/Stockholm
catalog: $work/site/cameras.yaml
presentation: {width: 640, height: 360, card_seconds: 2}
store: {url: "postgres://$p@127.0.0.1:$pgport/klipp"}
roots: {exports: $work/exports}
archive:
  backend: s3
  s3: {endpoint: "127.0.0.1:$mport", bucket: evidence, lock_mode: governance}
EOF
done
# ivar keeps his password in ~/.pgpass; the others use PGPASSWORD.
echo "127.0.0.1:$pgport:klipp:ivar:pw-ivar" >"$work/home/ivar/.pgpass"
chmod 600 "$work/home/ivar/.pgpass"
s3keys="KLIPP_S3_ACCESS_KEY=klippminio KLIPP_S3_SECRET_KEY=klippminio-secret"

# as PERSON [VAR=value…] -- klipp args: runs klipp as that person and shows it.
as() {
  local p=$1; shift
  local extra=()
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  printf '\033[36m%s$ klipp %s\033[0m\n' "$p" "$*"
  local pw="PGPASSWORD=pw-$p"
  [ "$p" = ivar ] && pw=""
  env -i HOME="$work/home/$p" PATH="$PATH" LANG=C.UTF-8 TERM="${TERM:-dumb}" $pw "${extra[@]}" "$work/klipp" "$@"
}
# expect CODE PERSON … -- args: the command must exit CODE.
expect() {
  local want=$1; shift
  local code=0
  as "$@" || code=$?
  [ "$code" = "$want" ] || { echo "exit $code, expected $want" >&2; exit 1; }
}

say "the store's owner adds the people (password from KLIPP_PASSWORD, else asked twice)"
as klippadmin KLIPP_PASSWORD=pw-anna -- users add anna --role analyst --name "Anna Analytiker"
as klippadmin KLIPP_PASSWORD=pw-ivar -- users add ivar --role investigator --name "Insp. Ivar Åberg"
as klippadmin KLIPP_PASSWORD=pw-ines -- users add ines --role investigator
as klippadmin KLIPP_PASSWORD=pw-arne -- users add arne --role archivist
as klippadmin -- users list

say "ivar files a request; ines files another"
as ivar -- users whoami
as ivar -- request new --title "Rån Södergatan" --crime rån --place "Södergatan 2, Malmö" --position 55.6040,13.0010 \
  --from "2026-11-20 22:00" --to "2026-11-20 22:03" --suspect "röd jacka, mörka byxor" --need "Misstänktens väg genom stan"
as ines -- request new --title "Annat ärende" --from "2026-11-20 22:00" --to "2026-11-20 22:03"

say "anna indexes the footage, accepts request 1 and builds the timeline (ground truth: the suspect on Malmö C 22:01:10–22:01:40)"
as anna -- -q index
as anna -- request list
case=5000-K123456-26
as anna -- request accept 1 --case $case
as anna -- timeline add $case --camera malmo-c-spar-4 --at "2026-11-20 22:01:13" --text "Misstänkt kliver av tåget"
as anna -- timeline add $case --camera malmo-c-spar-4 --at "2026-11-20 22:01:37" --text "Misstänkt lämnar perrongen"
as anna -- timeline add $case --camera lilla-torg --at "2026-11-20 22:02:10" --text "Lilla Torg"
as anna -- still --camera malmo-c-spar-4 --at "2026-11-20 22:01:13" -o "$work/home/anna/perrong.png"

say "a worker on anna's machine (with the archive's credentials); anna exports through it"
printf '\033[36manna$ klipp worker --concurrency 1 &\033[0m\n'
env -i HOME="$work/home/anna" PATH="$PATH" LANG=C.UTF-8 PGPASSWORD=pw-anna $s3keys "$work/klipp" worker --concurrency 1 &
worker_pid=$!
sleep 1
as anna -- export $case
as anna -- jobs --all --case $case
as anna -- case close $case

say "arne pushes the bundle to MinIO (a job on the worker) and places a legal hold"
as arne $s3keys -- archive push $case
as arne $s3keys -- archive hold $case
as arne $s3keys -- archive ls

say "ivar sees the delivery and checks his copy"
as ivar -- request list
as ivar -- request show 1
bundle=$(ls -d "$work/exports/$case"/2*)
as ivar -- verify "$bundle"

say "ines sees none of it: not through klipp (exit 3 and 2)…"
expect 3 ines -- request show 1
expect 2 ines -- timeline list $case
say "… nor with psql (row-level security and grants)"
PGPASSWORD=pw-ines "$pgbin/psql" -X -h 127.0.0.1 -p "$pgport" -U ines -d klipp -c "SELECT id, filed_by, title FROM requests" -c "SELECT count(*) AS cases_seen FROM cases"
if PGPASSWORD=pw-ines "$pgbin/psql" -X -h 127.0.0.1 -p "$pgport" -U ines -d klipp -c "SELECT count(*) FROM entries"; then
  echo "ines read the entries" >&2; exit 1
fi

say "arne verifies the audit chain (against the seal the push wrote); the reads it holds"
as arne $s3keys -- audit verify
PGPASSWORD=pw-arne "$pgbin/psql" -X -h 127.0.0.1 -p "$pgport" -U arne -d klipp -c \
  "SELECT seq, line::json->>'who' AS who, line::json->>'action' AS action, case_number AS case, line::json->'detail'->>'worker' AS worker_login FROM audit ORDER BY seq"

say "done: everything is stopped and removed"
