#!/usr/bin/env bash
# make demo: the demo site, then a case worked through the CLI as an analyst
# would (the export bundle follows in a later issue).
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
$K case show $CASE >/dev/null 2>&1 || $K case new --number $CASE --title "Rån, Södergatan" --crime rån \
  --place "Södergatan 2, Malmö" --position 55.6036,13.0021 --from "2026-11-20 22:00" --to "2026-11-20 22:20" \
  --requested-by "Insp. Berg" --request "Misstänktens väg från Malmö C" --suspect "röd jacka, mörka byxor"
if [ -z "$($K --json timeline list $CASE | grep '"id"' || true)" ]; then
  $K timeline add $CASE --camera malmo-c-spar-4 --at "2026-11-20 22:01:25" --text "Misstänkt lämnar tåget på spår 4" --tag suspect
  $K timeline add $CASE --camera lilla-torg --at "2026-11-20 22:06:15" --text "Misstänkt går österut över Lilla Torg" --tag suspect
  $K timeline add $CASE --camera stortorget --at "2026-11-20 22:08:22" --text "Misstänkt passerar Stortorget" --tag suspect
  $K timeline add $CASE --camera sodergatan-2 --at "2026-11-20 22:10:12" --text "Misstänkt går söderut på Södergatan" --tag suspect
  $K timeline add $CASE --camera sodergatan-14 --at "2026-11-20 22:11:15" --text "Misstänkt syns tydligt utanför butiken" --tag suspect
  $K timeline add $CASE --camera gustav-adolfs-torg --at "2026-11-20 22:12:55" --text "Misstänkt springer mot Möllevången" --tag suspect
  $K timeline add $CASE --camera mollevangstorget --at "2026-11-20 22:19:12" --text "Misstänkt når Möllevångstorget" --tag suspect
fi
echo
$K timeline list $CASE
mkdir -p demo/out
echo
$K cut --camera sodergatan-2 --from "2026-11-20 22:10:05.500" --to "2026-11-20 22:10:22" --mode exact -o demo/out/sodergatan-2.mp4 --force
$K still --camera sodergatan-14 --at "2026-11-20 22:11:15" -o demo/out/sodergatan-14.png --force
echo
$K audit verify
echo
$K export $CASE -o demo/exports
