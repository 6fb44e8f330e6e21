#!/usr/bin/env bash
# make bench: klipp against the FFmpeg command-line tools, same inputs, one run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== demo site generation (7 cameras x 20 min, 640x360 25 fps) =="
rm -rf /tmp/klipp-bench-demo
/usr/bin/time -f "demo: %e s wall, %M KB peak RSS" bin/klipp --quiet demo --dir /tmp/klipp-bench-demo >/dev/null
echo
echo "== export of the demo case (7 entries, copy clips, presentation at the clips' size, report, viewer) =="
K="bin/klipp --quiet --config /tmp/klipp-bench-demo/klipp.yaml"
scripts/demo-case.sh "$K" 5000-K123456-26 >/dev/null
/usr/bin/time -f "export: %e s wall, %M KB peak RSS" $K export 5000-K123456-26 -o /tmp/klipp-bench-demo/exports
echo
echo "== export before and after issue 15 (same run), and the presentation against ffmpeg at the same size and quality =="
go run ./scripts/bench -klipp bin/klipp -presentation /tmp/klipp-bench-demo
echo
echo "== terminal UI: a frame step on the demo footage (640x360 25 fps; goal < 100 ms) =="
KLIPP_BENCH_SITE=/tmp/klipp-bench-demo go test -run XXX -bench FrameStep -benchtime 200x ./cmd/klipp | grep Benchmark
rm -rf /tmp/klipp-bench-demo
echo
echo "== terminal UI: a key to the updated screen through tmux, 1080p25 H.264 (goals: step p95 < 60 ms warm, < 150 ms cold; 10 s jump p95 < 120 ms; 25 fps playback) =="
go run ./scripts/bench -klipp bin/klipp -ui
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
echo
echo "== activity: 1 h of 1080p25 H.264, 2 s GOP (goals: <= 0.05x the ffmpeg scene filter, >= 300x real time, repeated query < 50 ms, peak RSS < 200 MB) =="
go run ./scripts/bench -klipp bin/klipp -activity
echo
echo "== camera catalog: import 100,000 cameras from GeoJSON, then show and near (goals: import < 30 s and < 500 MB; show, near < 200 ms) =="
go run ./scripts/bench -klipp bin/klipp -catalog 100000
echo
echo "== archive push of a 1 GB bundle to a local MinIO =="
go run ./scripts/bench -klipp bin/klipp -archive
echo
echo "== timeline add through the service, 1 and 20 concurrent clients, SQLite and PostgreSQL (p50, p99) =="
go run ./scripts/bench -timeline
echo
echo "== jobs on a shared PostgreSQL: enqueue-to-start latency (goal p99 < 200 ms); 4 exports on one worker and on two =="
go run ./scripts/bench -klipp bin/klipp -jobs
echo
echo "== terminal UI: camera picker with 2,000 cameras and 100,000 segments (goal < 50 ms per key) =="
go test -run XXX -bench PickerKey -benchtime 500x ./internal/tui | grep Benchmark
go test -run XXX -bench PickerStrips -benchtime 20x ./cmd/klipp | grep Benchmark
