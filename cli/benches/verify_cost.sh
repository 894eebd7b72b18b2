#!/usr/bin/env bash
# What checking delivery costs on MaiAgent's presigned path (issue 21): the CLI's own CPU time
# (user + system, from /usr/bin/time) and wall time for one presigned upload of a 1 GiB file to the crate's
# emulator on 127.0.0.1, with the MD5 computed as the file streams (the default) and with
# --no-verify, in pairs that alternate which goes first. Prints each run, the medians, and
# the difference per GiB. The emulator (another process) hashes what it stores in both cases,
# so the wall times include its MD5 too.
#
# Usage: bash cli/benches/verify_cost.sh [path/to/upload-clients] [pairs]
#        (defaults: target/release/upload-clients, 5 pairs)
# Builds nothing. Needs bash, python3, /usr/bin/time. The emulator's objects go to a temporary
# directory, emptied after every run; everything is stopped by PID and removed at the end.
set -euo pipefail

CLI=${1:-target/release/upload-clients}
PAIRS=${2:-5}
if [[ ! -x $CLI ]]; then
    echo "no executable CLI at $CLI (build it: cargo build --release --locked --all-features --bin upload-clients)" >&2
    exit 2
fi
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is required (apt-get install -y time)" >&2; exit 2; }
CLI=$(cd "$(dirname "$CLI")" && pwd)/$(basename "$CLI")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verify_cost.XXXXXX")
EMU_PID=""
cleanup() {
    [[ -n $EMU_PID ]] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
    rm -rf "$WORK"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/data"
# 1 GiB of bytes that are not one byte repeated; .txt, which MaiAgent accepts.
python3 - "$WORK/big.txt" <<'EOF'
import sys
block = bytes((i * 7) % 251 for i in range(1 << 20))
with open(sys.argv[1], "wb") as f:
    for _ in range(1024):
        f.write(block)
EOF

"$CLI" emulator --port 0 --no-limits --data "$WORK/data" >"$WORK/emulator.out" 2>&1 &
EMU_PID=$!
BASE=""
for _ in $(seq 1 100); do
    BASE=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/emulator.out" | head -n 1 || true)
    [[ -n $BASE ]] && break
    sleep 0.05
done
[[ -n $BASE ]] || { echo "the emulator did not start:" >&2; cat "$WORK/emulator.out" >&2; exit 1; }

# One upload; prints the CLI's user + system seconds and its wall seconds. $1: "verify" or
# "no-verify".
run() {
    local extra=()
    [[ $1 == no-verify ]] && extra=(--no-verify)
    /usr/bin/time -f '%U %S %e' -o "$WORK/time" "$CLI" maiagent upload "$WORK/big.txt" --presigned \
        --endpoint "$BASE/api" --token any --no-progress "${extra[@]}" >"$WORK/out" 2>"$WORK/err" || {
        echo "the upload failed ($1):" >&2; cat "$WORK/err" >&2; exit 1
    }
    find "$WORK/data" -type f -delete
    python3 -c "import sys; u, s, e = map(float, open(sys.argv[1]).read().split()[-3:]); print(f'{u + s:.3f}/{e:.2f}')" "$WORK/time"
}

run verify >/dev/null  # warm-up: the file in the page cache
verify=() plain=()
for i in $(seq 1 "$PAIRS"); do
    if (( i % 2 )); then
        verify+=("$(run verify)"); plain+=("$(run no-verify)")
    else
        plain+=("$(run no-verify)"); verify+=("$(run verify)")
    fi
    echo "pair $i: verify ${verify[-1]} s, --no-verify ${plain[-1]} s (CPU/wall)" >&2
done
python3 - "${verify[*]}" "${plain[*]}" <<'EOF'
import statistics as st, sys
v = [tuple(map(float, x.split("/"))) for x in sys.argv[1].split()]
p = [tuple(map(float, x.split("/"))) for x in sys.argv[2].split()]
mv, mp = st.median(c for c, _ in v), st.median(c for c, _ in p)
wv, wp = st.median(w for _, w in v), st.median(w for _, w in p)
print(f"CPU for one 1 GiB presigned upload (median of {len(v)}): verify {mv:.2f} s, --no-verify {mp:.2f} s;"
      f" the MD5 costs {mv - mp:.2f} s of CPU per GiB (pairs: {', '.join(f'{a[0] - b[0]:.2f}' for a, b in zip(v, p))})")
print(f"wall: verify {wv:.2f} s, --no-verify {wp:.2f} s (the emulator hashes in both)")
EOF
