#!/usr/bin/env bash
# Measure the request path (docs/PERFORMANCE.md, "Request path"): one
# postmortem read by API with a bearer token, against a bare net/http
# handler answering the same bytes (debrief bench-bare, same binary), in
# alternating wrk runs of the same session. For each run it prints the
# rate, and the server's CPU time per request from /proc/PID/stat, which a
# machine shared with other work disturbs far less than the rate.
#
# Usage: scripts/bench-request-path.sh DEBRIEF_BINARY DB TOKEN [ROUNDS] [PATH]
#   DB     a SQLite file or a postgres:// URL holding the postmortem
#   TOKEN  an API token (debrief token create …)
#   PATH   default /api/v1/postmortems/PM-5000
# Needs wrk (Debian package wrk), curl, and ports 18801-18802 on loopback.
set -euo pipefail

bin=$1
db=$2
token=$3
rounds=${4:-3}
path=${5:-/api/v1/postmortems/PM-5000}
work=$(mktemp -d)
trap 'kill "$serve_pid" "$bare_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" serve --db "$db" --addr 127.0.0.1:18801 >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
bare_pid=
for _ in $(seq 100); do
	curl -sf -o /dev/null http://127.0.0.1:18801/healthz && break
	sleep 0.2
done
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:18801$path" -o "$work/body.json"
"$bin" bench-bare --addr 127.0.0.1:18802 "$work/body.json" >/dev/null &
bare_pid=$!
sleep 0.5
echo "answer: $(wc -c <"$work/body.json") bytes"

# Warm the server's caches (statements, token, answer).
wrk -t2 -c32 -d2s -H "Authorization: Bearer $token" "http://127.0.0.1:18801$path" >/dev/null

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

for round in $(seq "$rounds"); do
	for which in debrief bare; do
		if [ "$which" = debrief ]; then
			pid=$serve_pid url="http://127.0.0.1:18801$path" header="Authorization: Bearer $token"
		else
			pid=$bare_pid url=http://127.0.0.1:18802/ header="X-Bench: bare"
		fi
		before=$(cpu_ticks "$pid")
		out=$(wrk -t2 -c32 -d5s -H "$header" "$url")
		after=$(cpu_ticks "$pid")
		rate=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
		requests=$(awk '/requests in/ { print $1 }' <<<"$out")
		errors=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
		us=$(awk -v t="$((after - before))" -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
		echo "round $round $which: $rate req/s, server CPU $us µs/request, non-2xx ${errors:-0}, load $(cut -d' ' -f1-3 /proc/loadavg)"
	done
done
