#!/usr/bin/env bash
# make demo: the demo site, then a case worked through the CLI as an analyst
# would, ending with the case's export bundle (clips, stills, native sources,
# presentation.mp4, report.pdf, manifest).
set -euo pipefail
cd "$(dirname "$0")/.."
K="bin/klipp --config demo/klipp.yaml"
bin/klipp demo --dir demo
echo
$K coverage --camera lilla-torg --from "2026-11-20 22:10" --to "2026-11-20 22:20"
echo
$K coverage --camera stortorget --from "2026-11-20 22:14" --to "2026-11-20 22:17"
echo
CASE=5000-K123456-26
scripts/demo-case.sh "$K" $CASE
echo
$K timeline list $CASE
mkdir -p demo/out
echo
$K cut --camera sodergatan-2 --from "2026-11-20 22:10:05.500" --to "2026-11-20 22:10:22" --mode exact -o demo/out/sodergatan-2.mp4 --force
$K still --camera sodergatan-14 --at "2026-11-20 22:11:15" -o demo/out/sodergatan-14.png --force
echo
$K audit verify
echo
BUNDLE=$($K --json export $CASE -o demo/exports | sed -n 's/^  "dir": "\(.*\)",$/\1/p')
$K verify "$BUNDLE"
echo
echo "The demo case's bundle is in $BUNDLE"
echo "  report:       $BUNDLE/report.pdf"
echo "  presentation: $BUNDLE/presentation.mp4"
echo "  check it:     (cd $BUNDLE && sha256sum -c SHA256SUMS)"
echo "Open the terminal UI on the demo with: bin/klipp --config demo/klipp.yaml"
