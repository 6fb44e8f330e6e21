#!/usr/bin/env bash
# make bench: klipp against the FFmpeg command-line tools, same inputs, one run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== demo site generation (7 cameras x 20 min, 640x360 25 fps) =="
rm -rf /tmp/klipp-bench-demo
/usr/bin/time -f "demo: %e s wall, %M KB peak RSS" bin/klipp --quiet demo --dir /tmp/klipp-bench-demo >/dev/null
rm -rf /tmp/klipp-bench-demo
echo
echo "== index and coverage =="
go run ./scripts/bench -klipp bin/klipp "$@"
echo
echo "== worst case: 2-second segments (1,800 per hour) =="
go run ./scripts/bench -klipp bin/klipp -segment-length 2s -ffprobe-sample 30 "$@"
echo
echo "== stills =="
go run ./scripts/bench -klipp bin/klipp -stills
echo
echo "== cuts (1080p25) =="
go run ./scripts/bench -klipp bin/klipp -cut
