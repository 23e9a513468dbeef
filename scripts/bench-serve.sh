#!/usr/bin/env bash
# bench-serve.sh: bantin's feed serving against nginx serving the same bytes
# as a static file (issue 5's serving benchmark), measured in one run.
#
#   scripts/bench-serve.sh            # wrk -t2 -c50 -d10s per case
#   DURATION=30s CONNS=100 scripts/bench-serve.sh
#
# It builds bantin, polls synthetic upstream feeds of full items (`bantin
# bench -upstream`, about 1 KB of Vietnamese/English text per item) into a
# fresh database, one topic per entry of SIZES (items per topic; the default
# "50 109 435" gives bodies of about 115 KB, 250 KB and 1 MB), starts
# `bantin serve` on a loopback port, saves the exact bytes of
# /topics/benchN.rss, and starts nginx (unprivileged config in a temporary
# directory: daemon off, access_log off, sendfile, etag on, same
# Content-Type) serving those files at the same paths. Then wrk runs
# against both, alternating: the 200 path for every size (no
# Accept-Encoding, so both send the identity bytes), and for the first size
# the 304 path (If-None-Match with each server's own ETag) and, for
# information, the gzip path (Accept-Encoding: gzip: bantin's stored gzip
# copy against nginx gzip_static serving bantin's gzip bytes).
# It prints requests/s and the ratio bantin/nginx (target >= 0.8), and the
# CPU time each server used per request (from /proc: utime+stime of the
# server's processes over the wrk run), which is less sensitive than
# requests/s to other load on the machine. As a control it also measures a
# bare Go net/http handler that answers every request with 304 (no routing,
# no cache) and Go's http.FileServer serving the same file as nginx: the
# floor of any server built on net/http on this machine.
# Nothing is written outside a temporary directory, removed at exit.
#
# Needs: go, curl, wrk, nginx (Debian: wrk, nginx-light). Knobs (env):
# DURATION (10s), CONNS (50), THREADS (2), SIZES ("50 109 435"), NGINX_WORKERS (auto),
# ROUNDS (1; with more, every case runs that often, alternating, and the
# median run by requests/s is reported),
# BANTIN_GOMAXPROCS (unset: Go's default, all cores), KEEP=1 keeps the
# temporary directory. BANTIN_BIN=path serves with that bantin binary
# instead of building one; BANTIN_BASE=path also runs that binary (say, one
# built from main: git worktree add /tmp/base main && go build -o
# /tmp/bantin-main ./cmd/bantin) as a second server on the same database,
# measured in the same run, alternating, on the 200 identity paths: rows
# "(base)" and a before/after ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
SIZES=${SIZES:-50 109 435}
read -r -a sizes <<<"$SIZES"
ITEMS=${sizes[0]}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
ROUNDS=${ROUNDS:-1}

for cmd in go curl wrk nginx; do
  command -v "$cmd" >/dev/null || { echo "bench-serve: $cmd not found (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bantin-bench-serve.XXXXXX")
chmod 755 "$work" # nginx workers may run as another user when started as root
pids=()
cleanup() {
  # `bantin bench -upstream` does not stop on SIGTERM: whatever is still
  # running 5 s after SIGTERM gets SIGKILL.
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # URL
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-serve: $1 did not come up" >&2
  exit 1
}

echo "== building bantin" >&2
if [ -n "${BANTIN_BIN:-}" ]; then cp "$BANTIN_BIN" "$work/bantin"; else go build -o "$work/bantin" ./cmd/bantin; fi
mkdir -p "$work/floor"
cat >"$work/floor/main.go" <<'GOEOF'
// Controls: /static/ is Go's http.FileServer over the directory nginx
// serves (sendfile); anything else is a bare handler answering 304.
package main

import (
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", http.FileServer(http.Dir(os.Args[2]))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Etag"] = []string{`"floor"`}
		w.WriteHeader(http.StatusNotModified)
	})
	http.ListenAndServe(os.Args[1], mux)
}
GOEOF
printf 'module floor\n\ngo 1.22\n' >"$work/floor/go.mod"
(cd "$work/floor" && go build -o "$work/floor/floor" .)

# Synthetic upstream: serves /feed/{i}/{n}.xml and prints its base URL.
"$work/bantin" bench -upstream >"$work/upstream.out" 2>"$work/upstream.err" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/upstream.out" ] && break; sleep 0.1; done
upstream=$(head -1 "$work/upstream.out")
[ -n "$upstream" ] || { echo "bench-serve: upstream did not start" >&2; cat "$work/upstream.err" >&2; exit 1; }

bport=$(free_port)
cat >"$work/bantin.yaml" <<EOF
listen: 127.0.0.1:$bport
base_url: http://127.0.0.1:$bport
database: bantin.db
defaults:
  interval: 15m
  retention: 3650d
sources:
EOF
for n in "${sizes[@]}"; do
  printf '  - {id: bench%s, url: "%s/feed/%s/%s.xml", title: "Nguồn tin thử nghiệm"}\n' "$n" "$upstream" "$n" "$n" >>"$work/bantin.yaml"
done
echo "topics:" >>"$work/bantin.yaml"
for n in "${sizes[@]}"; do
  printf '  - {slug: bench%s, title: "Bản tin thử nghiệm", limit: %s, dedupe: false, match: {sources: [bench%s]}}\n' "$n" "$n" "$n" >>"$work/bantin.yaml"
done

echo "== polling topics of ${sizes[*]} items" >&2
"$work/bantin" poll -config "$work/bantin.yaml" >&2

echo "== starting bantin serve on 127.0.0.1:$bport" >&2
if [ -n "${BANTIN_GOMAXPROCS:-}" ]; then export GOMAXPROCS=$BANTIN_GOMAXPROCS; fi
"$work/bantin" serve -config "$work/bantin.yaml" >"$work/serve.log" 2>&1 &
pids+=($!)
unset GOMAXPROCS
burl="http://127.0.0.1:$bport/topics/bench$ITEMS.rss"
wait_http "http://127.0.0.1:$bport/healthz"
if [ -n "${BANTIN_BASE:-}" ]; then
  # Same database and base_url (so the same bytes), another port.
  oport=$(free_port)
  sed "s/^listen: .*/listen: 127.0.0.1:$oport/" "$work/bantin.yaml" >"$work/base.yaml"
  cp "$BANTIN_BASE" "$work/bantin-base"
  if [ -n "${BANTIN_GOMAXPROCS:-}" ]; then export GOMAXPROCS=$BANTIN_GOMAXPROCS; fi
  "$work/bantin-base" serve -config "$work/base.yaml" >"$work/base.log" 2>&1 &
  opid=$!
  pids+=("$opid")
  unset GOMAXPROCS
  wait_http "http://127.0.0.1:$oport/healthz"
fi

mkdir -p "$work/www/topics" "$work/nginx/tmp"
declare -A bsize
for n in "${sizes[@]}"; do
  f="$work/www/topics/bench$n.rss"
  curl -fsS -D "$work/bantin$n.headers" -o "$f" "http://127.0.0.1:$bport/topics/bench$n.rss"
  nitems=$(grep -o '<item>' "$f" | wc -l)
  [ "$nitems" = "$n" ] || { echo "bench-serve: topic bench$n has $nitems items, want $n" >&2; exit 1; }
  bsize[$n]=$(stat -c %s "$f")
done
cp "$work/bantin$ITEMS.headers" "$work/bantin.headers"
curl -fsS -D "$work/bantin-gz.headers" -H 'Accept-Encoding: gzip' -o "$work/www/topics/bench$ITEMS.rss.gz" "$burl"
grep -qi '^content-encoding: gzip' "$work/bantin-gz.headers" || { echo "bench-serve: bantin did not send gzip" >&2; exit 1; }
gzsize=$(stat -c %s "$work/www/topics/bench$ITEMS.rss.gz")
chmod -R a+rX "$work/www"
size=${bsize[$ITEMS]}
ctype=$(grep -i '^content-type:' "$work/bantin.headers" | cut -d' ' -f2- | tr -d '\r')
mtype=${ctype%%;*}

nport=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  types { $mtype rss; }
  default_type application/octet-stream;
  charset utf-8;
  charset_types $mtype;
  sendfile on;
  tcp_nopush on;
  etag on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  open_file_cache max=16 inactive=60s;
  open_file_cache_valid 60s;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location / { gzip_static on; gzip_vary on; try_files \$uri =404; }
  }
}
EOF
echo "== starting nginx ($(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes $NGINX_WORKERS) on 127.0.0.1:$nport" >&2
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
nurl="http://127.0.0.1:$nport/topics/bench$ITEMS.rss"
wait_http "$nurl"
npids="$(cat "$work/nginx/nginx.pid") $(pgrep -P "$(cat "$work/nginx/nginx.pid")" | tr '\n' ' ')"
bpid=${pids[1]}
curl -fsS -H 'Accept-Encoding: gzip' -o "$work/nginx.body.gz" "$nurl"
cmp -s "$work/nginx.body.gz" "$work/www/topics/bench$ITEMS.rss.gz" || { echo "bench-serve: nginx gzip_static serves different bytes" >&2; exit 1; }

# Both serve the same bytes with the same Content-Type.
curl -fsS -D "$work/nginx.headers" -o "$work/nginx.body" "$nurl"
for n in "${sizes[@]}"; do
  curl -fsS -o "$work/nginx$n.body" "http://127.0.0.1:$nport/topics/bench$n.rss"
  cmp -s "$work/nginx$n.body" "$work/www/topics/bench$n.rss" || { echo "bench-serve: nginx serves different bytes for bench$n" >&2; exit 1; }
done
nctype=$(grep -i '^content-type:' "$work/nginx.headers" | cut -d' ' -f2- | tr -d '\r')
[ "${nctype// /}" = "${ctype// /}" ] || echo "bench-serve: note: Content-Type differs: bantin '$ctype', nginx '$nctype'" >&2

etag_of() { grep -i '^etag:' "$1" | cut -d' ' -f2- | tr -d '\r'; }
betag=$(etag_of "$work/bantin.headers")
netag=$(etag_of "$work/nginx.headers")
for pair in "$burl|$betag" "$nurl|$netag"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${pair#*|}" "${pair%%|*}")
  [ "$code" = 304 ] || { echo "bench-serve: ${pair%%|*} answers $code to If-None-Match: ${pair#*|}" >&2; exit 1; }
done

ticks() { # PIDS: user+system CPU clock ticks used so far
  local t=0 pid f
  for pid in $1; do
    read -r -a f <"/proc/$pid/stat"
    t=$((t + f[13] + f[14]))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)
measure() { # PIDS URL [HEADER]: prints "req/s cpu-us-per-request"; fails on error responses
  local out before after reqs
  before=$(ticks "$1")
  if [ $# -gt 2 ]; then
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "$3" "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$2")
  fi
  after=$(ticks "$1")
  echo "$out" >>"$work/wrk.log"
  if grep -q 'Non-2xx or 3xx' <<<"$out"; then echo "bench-serve: error responses from $2:" >&2; echo "$out" >&2; exit 1; fi
  reqs=$(awk '/ requests in / {print $1}' <<<"$out")
  awk -v rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" -v t=$((after - before)) -v hz="$hz" -v n="$reqs" \
    'BEGIN { printf "%s %.1f", rps, t / hz / n * 1e6 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { # LABEL "bantin-rps bantin-us" "nginx-rps nginx-us"
  local b=($2) n=($3)
  printf '%-22s %13s %13s %7s %12s %12s\n' "$1" "${b[0]}" "${n[0]}" "$(ratio "${b[0]}" "${n[0]}")" "${b[1]}" "${n[1]}"
}

echo "== wrk -t$THREADS -c$CONNS -d$DURATION (alternating bantin, nginx)" >&2
fport=$(free_port)
"$work/floor/floor" "127.0.0.1:$fport" "$work/www" &
fpid=$!
pids+=("$fpid")
furl="http://127.0.0.1:$fport/topics/bench$ITEMS.rss"
for _ in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$furl")" = 304 ] && break; sleep 0.1; done

# median of "rps us" pairs, by rps (and us taken from the same run)
median() { sort -g -k1,1 | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }
b304=() n304=() bgz=() ngz=() f304=() f200=()
declare -A b200 n200 o200
for round in $(seq 1 "$ROUNDS"); do
  [ "$ROUNDS" = 1 ] || echo "   round $round of $ROUNDS" >&2
  for n in "${sizes[@]}"; do
    b200[$n]+="$(measure "$bpid" "http://127.0.0.1:$bport/topics/bench$n.rss")"$'\n'
    if [ -n "${BANTIN_BASE:-}" ]; then
      o200[$n]+="$(measure "$opid" "http://127.0.0.1:$oport/topics/bench$n.rss")"$'\n'
    fi
    n200[$n]+="$(measure "$npids" "http://127.0.0.1:$nport/topics/bench$n.rss")"$'\n'
  done
  b304+=("$(measure "$bpid" "$burl" "If-None-Match: $betag")")
  n304+=("$(measure "$npids" "$nurl" "If-None-Match: $netag")")
  bgz+=("$(measure "$bpid" "$burl" "Accept-Encoding: gzip")")
  ngz+=("$(measure "$npids" "$nurl" "Accept-Encoding: gzip")")
  f304+=("$(measure "$fpid" "$furl" 'If-None-Match: "floor"')")
  f200+=("$(measure "$fpid" "http://127.0.0.1:$fport/static/topics/bench$ITEMS.rss")")
done
for n in "${sizes[@]}"; do
  b200[$n]=$(printf '%s' "${b200[$n]}" | median)
  n200[$n]=$(printf '%s' "${n200[$n]}" | median)
  [ -z "${BANTIN_BASE:-}" ] || o200[$n]=$(printf '%s' "${o200[$n]}" | median)
done
for v in b304 n304 bgz ngz f304 f200; do
  eval "$v=\$(printf '%s\n' \"\${$v[@]}\" | median)"
done

echo
sizes_desc=""
for n in "${sizes[@]}"; do sizes_desc+="${sizes_desc:+, }bench$n.rss: $n items, ${bsize[$n]} bytes"; done
echo "bantin serve vs nginx static file: $sizes_desc (bench$ITEMS gzip: $gzsize bytes)"
echo "wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS round(s); $(nproc) CPUs shared by wrk and the server; load $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
printf '%-22s %13s %13s %7s %12s %12s\n' "path" "bantin req/s" "nginx req/s" "ratio" "bantin us/r" "nginx us/r"
for n in "${sizes[@]}"; do
  row "200 $(awk -v b="${bsize[$n]}" 'BEGIN { printf "%.0f KB", b / 1000 }')" "${b200[$n]}" "${n200[$n]}"
done
if [ -n "${BANTIN_BASE:-}" ]; then
  for n in "${sizes[@]}"; do
    row "200 $(awk -v b="${bsize[$n]}" 'BEGIN { printf "%.0f KB", b / 1000 }') (base)" "${o200[$n]}" "${n200[$n]}"
  done
fi
row "304 If-None-Match" "$b304" "$n304"
row "200 gzip (info)" "$bgz" "$ngz"
row "304 bare net/http" "$f304" "$n304"
row "200 Go FileServer" "$f200" "${n200[$ITEMS]}"
if [ -n "${BANTIN_BASE:-}" ]; then
  echo "(base): $BANTIN_BASE, a second bantin serve on the same database, run alternately with the others"
  for n in "${sizes[@]}"; do
    b=(${b200[$n]}) o=(${o200[$n]})
    echo "bench$n after/base: req/s $(ratio "${b[0]}" "${o[0]}"), CPU per request $(ratio "${b[1]}" "${o[1]}")"
  done
fi
echo "target: ratio >= 0.80 on the 200 identity and 304 paths; us/r = server CPU microseconds per request"
echo "controls, against the same nginx runs: a bare Go net/http handler answering 304, and Go's"
echo "http.FileServer serving the file nginx serves (sendfile): the floor of a net/http server here"
