#!/usr/bin/env bash
# The README's walk-through against a running server (default http://127.0.0.1:8080): a session
# streams, goes idle (offloaded, GPU slot free), comes back (restored, indices continue, chunks
# equal to a session that never went idle), is closed; a migration; five sessions take turns on one
# GPU's four slots (playout-slack); then the bad inputs. Needs curl and python3.
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
J() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
show() { echo "\$ $*" >&2; }
chunks() { # id n -> "index:crc32c" lines
  curl -sN --max-time 60 "$BASE/v1/sessions/$1/chunks?limit=$2" | sed -n 's/^data: //p' \
    | python3 -c 'import json,sys
for l in sys.stdin:
    d=json.loads(l)
    if "index" in d: print(d["index"], d["crc32c"], "%.1f ms" % d["latencyMs"], "batch", d["batch"])'
}

CLUSTER="$BASE/jolokia/read/io.turboserve:type=Cluster"
PREV=$(curl -s "$CLUSTER/PlacementPolicy" | J 'd["value"]')
MIN0=$(curl -s "$CLUSTER/MinBudget" | J 'd["value"]'); MAX0=$(curl -s "$CLUSTER/MaxBudget" | J 'd["value"]')
LEND=$(mktemp -d)
restore() { # the server's bounds and placement policy as they were, whatever happened
  for L in $(cat "$LEND/ids" 2>/dev/null); do curl -s -XDELETE "$BASE/v1/sessions/$L" > /dev/null; done
  curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/setBudgetBounds/$MIN0/$MAX0" > /dev/null
  python3 -c 'import json,sys; print(json.dumps({"type": "exec", "mbean": "io.turboserve:type=Cluster",
      "operation": "selectPolicy", "arguments": ["placement", sys.argv[1]]}))' "$PREV" \
    | curl -s -XPOST "$BASE/jolokia" -H 'Content-Type: application/json' -d @- > /dev/null
  rm -rf "$LEND"
}
trap restore EXIT
show "POST /v1/sessions"
ID=$(curl -s -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' \
     -d '{"prompt": "a red fox running through snow", "model": "tiny", "seed": 42}' | tee /dev/stderr | J 'd["id"]')
echo >&2
show "POST /v1/sessions/$ID/active"; curl -s -XPOST "$BASE/v1/sessions/$ID/active"; echo
show "GET /v1/sessions/$ID/chunks?limit=10  (index, crc32c, latency, batch)"; A=$(chunks "$ID" 10); echo "$A"
show "POST /v1/sessions/$ID/idle"; curl -s -XPOST "$BASE/v1/sessions/$ID/idle"; echo
sleep 1
show "Jolokia: session $ID"
curl -s "$BASE/jolokia/read/io.turboserve:type=Session,id=$ID" | J '{k: d["value"][k] for k in ("Lifecycle","Residency","Gpu","NextChunkIndex","BufferedChunks")}'
show "Jolokia: GPUs (sessions per GPU)"
for g in $(curl -s "$BASE/jolokia/read/io.turboserve:type=Cluster/GpuIds" | J '" ".join(map(str,d["value"]))'); do
  curl -s "$BASE/jolokia/read/io.turboserve:type=Gpu,id=$g" | J '"GPU %d %s sessions=%s free=%d" % (d["value"]["Id"], d["value"]["State"], d["value"]["Sessions"], d["value"]["FreeSlots"])'
done
show "POST /v1/sessions/$ID/active (restored)"; curl -s -XPOST "$BASE/v1/sessions/$ID/active"; echo
show "GET /v1/sessions/$ID/chunks?limit=10"; B=$(chunks "$ID" 10); echo "$B"
show "a twin that never went idle (same prompt and seed), 20 chunks"
TWIN=$(curl -s -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' \
     -d '{"prompt": "a red fox running through snow", "model": "tiny", "seed": 42}' | J 'd["id"]')
curl -s -XPOST "$BASE/v1/sessions/$TWIN/active" > /dev/null
T=$(chunks "$TWIN" 20)
if [ "$(printf '%s\n%s\n' "$A" "$B" | cut -d' ' -f1,2)" = "$(echo "$T" | cut -d' ' -f1,2)" ]; then
  echo "chunks 0..19 of $ID (idle and restored in between) equal those of $TWIN: same indices and CRC-32C"
else
  echo "!! chunks differ from the twin"; exit 1
fi
show "Jolokia: cluster"
curl -s "$BASE/jolokia/read/io.turboserve:type=Cluster" | J '{k: d["value"][k] for k in ("PlacementPolicy","AutoscalingPolicy","Executor","Budget","GpusReady","SessionsAlive","SessionsActive","ChunksDelivered","Offloads","Restores")}'
show "Jolokia: keep at least 2 GPUs (setBudgetBounds 2..4; the autoscaler packs 2 sessions on 1), migrate $TWIN to the other"
curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/setBudgetBounds/2/4" > /dev/null
G=$(curl -s "$BASE/jolokia/read/io.turboserve:type=Session,id=$TWIN/Gpu" | J 'd["value"]')
for _ in $(seq 50); do
  OTHER=$(curl -s "$BASE/jolokia/read/io.turboserve:type=Cluster/GpuIds" | J '" ".join(str(g) for g in d["value"] if g != '"$G"')')
  [ -n "$OTHER" ] && break; sleep 0.1
done
curl -s "$BASE/jolokia/exec/io.turboserve:type=Session,id=$TWIN/migrate/${OTHER%% *}" | J '{k: d["value"][k] for k in ("gpu","epoch","residency")}'
curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/setBudgetBounds/$MIN0/$MAX0" > /dev/null
show "DELETE /v1/sessions/$ID"; curl -s -XDELETE "$BASE/v1/sessions/$ID"; echo
curl -s -XDELETE "$BASE/v1/sessions/$TWIN" > /dev/null

show "playout-slack: one GPU (setBudgetBounds 1..1), five sessions for its four slots, each read by its own client"
curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/selectPolicy/placement/playout-slack" > /dev/null
curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/setBudgetBounds/1/1" > /dev/null
ready() { curl -s "$CLUSTER/GpusReady" | J 'd["value"]'; }
for _ in $(seq 200); do [ "$(ready)" = 1 ] && break; sleep 0.1; done
if [ "$(ready)" != 1 ]; then # a long scale-in hold: drain all but the first GPU
  for g in $(curl -s "$CLUSTER/GpuIds" | J '" ".join(map(str, d["value"][1:]))'); do
    curl -s "$BASE/jolokia/exec/io.turboserve:type=Gpu,id=$g/drain" > /dev/null
  done
  for _ in $(seq 200); do [ "$(ready)" = 1 ] && break; sleep 0.1; done
  [ "$(ready)" = 1 ] || { echo "!! could not bring the cluster down to one GPU"; exit 1; }
fi
OFF0=$(curl -s "$CLUSTER/Offloads" | J 'd["value"]')
for i in 1 2 3 4 5; do
  L=$(curl -s -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' \
      -d '{"prompt": "a lighthouse in fog", "model": "tiny", "seed": '$i'}' | J 'd["id"]')
  echo "$L" >> "$LEND/ids"
  curl -s -XPOST "$BASE/v1/sessions/$L/active" > /dev/null
  chunks "$L" 30 > "$LEND/$L" &
done
wait
for L in $(cat "$LEND/ids"); do
  echo "$L: $(wc -l < "$LEND/$L") chunks, indices $(head -1 "$LEND/$L" | cut -d' ' -f1)..$(tail -1 "$LEND/$L" | cut -d' ' -f1), worst $(sort -t' ' -k3 -g "$LEND/$L" | tail -1 | cut -d' ' -f3-4)"
  [ "$(cut -d' ' -f1 "$LEND/$L" | tr '\n' ' ')" = "$(seq -s' ' 0 29) " ] || { echo "!! $L: chunks missing"; exit 1; }
done
LENT=$(( $(curl -s "$CLUSTER/Offloads" | J 'd["value"]') - OFF0 ))
echo "active sessions offloaded to lend their slots: $LENT"
[ "$LENT" -gt 0 ] || { echo "!! no slot was lent"; exit 1; }
for L in $(cat "$LEND/ids"); do curl -s -XDELETE "$BASE/v1/sessions/$L" > /dev/null; done
: > "$LEND/ids"
curl -s "$BASE/jolokia/exec/io.turboserve:type=Cluster/setBudgetBounds/$MIN0/$MAX0" > /dev/null

echo "--- bad input" >&2
show "GET /v1/sessions/no-such-session"; curl -s -w ' -> %{http_code}\n' "$BASE/v1/sessions/no-such-session"
show "POST /v1/sessions with malformed JSON"; curl -s -w ' -> %{http_code}\n' -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' -d '{"prompt": '
NEW=$(curl -s -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' -d '{"prompt": "p"}' | J 'd["id"]')
show "POST /v1/sessions/$NEW/idle before ever active"; curl -s -w ' -> %{http_code}\n' -XPOST "$BASE/v1/sessions/$NEW/idle"
curl -s -XDELETE "$BASE/v1/sessions/$NEW" > /dev/null
show "DELETE /v1/sessions/$ID a second time"; curl -s -w ' -> %{http_code}\n' -XDELETE "$BASE/v1/sessions/$ID"
show "POST /v1/sessions with a 100 KB body"; BIG=$(mktemp); python3 -c 'print("{\"prompt\": \"" + "x"*100000 + "\"}")' > "$BIG"
curl -s -w ' -> %{http_code}\n' -XPOST "$BASE/v1/sessions" -H 'Content-Type: application/json' --data-binary @"$BIG"; rm -f "$BIG"
