#!/usr/bin/env bash
# The demo case: a robbery on Södergatan and the suspect's route across seven
# cameras, entered as an analyst would. Used by make demo and make bench.
# Usage: scripts/demo-case.sh "KLIPP-COMMAND" CASE-NUMBER (idempotent).
set -euo pipefail
K=$1
CASE=$2
$K case show $CASE >/dev/null 2>&1 || $K case new --number $CASE --title "Rån, Södergatan" --crime rån \
  --place "Södergatan 2, Malmö" --position 55.6036,13.0021 --from "2026-11-20 22:00" --to "2026-11-20 22:20" \
  --requested-by "Insp. Berg" --request "Misstänktens väg från Malmö C" --suspect "röd jacka, mörka byxor"
if [ -z "$($K --json timeline list $CASE | grep '"id"' || true)" ]; then
  $K timeline add $CASE --camera malmo-c-spar-4 --at "2026-11-20 22:01:25" --text "Misstänkt lämnar tåget på spår 4" --tag suspect
  $K timeline add $CASE --camera lilla-torg --at "2026-11-20 22:06:15" --text "Misstänkt går österut över Lilla Torg" --tag suspect
  $K timeline add $CASE --camera stortorget --at "2026-11-20 22:08:22" --text "Misstänkt passerar Stortorget" --tag suspect
  $K timeline add $CASE --camera sodergatan-2 --at "2026-11-20 22:10:12" --text "Misstänkt går söderut på Södergatan" --tag suspect --mode exact
  $K timeline add $CASE --camera sodergatan-14 --at "2026-11-20 22:11:15" --text "Misstänkt syns tydligt utanför butiken" --tag suspect
  $K timeline add $CASE --camera gustav-adolfs-torg --at "2026-11-20 22:12:55" --text "Misstänkt springer mot Möllevången" --tag suspect
  $K timeline add $CASE --camera mollevangstorget --at "2026-11-20 22:19:12" --text "Misstänkt når Möllevångstorget" --tag suspect
fi
