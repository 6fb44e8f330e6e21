package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/klipp-forensics/klipp/internal/app"
)

func (a *cli) printPush(w io.Writer, v app.PushResult, deleteLocal bool) {
	checked := "each object's SHA-256 as the archive verified it and its retention checked"
	if deleteLocal {
		checked = "every object read back and its SHA-256 compared"
	}
	fmt.Fprintf(w, "archived %s in %s: %d objects (%d uploaded, %d already there), %s; locked until %s%s\n",
		v.Ref, v.Store, v.Objects, v.Uploaded, v.Skipped, checked, v.RetainUntil.Format("2006-01-02"), modeNote(v.LockMode))
	if v.LocalDeleted {
		fmt.Fprintf(w, "deleted the local bundle %s\n", v.Dir)
	}
}

func modeNote(mode string) string {
	if mode == "" {
		return " (local directory: retention recorded, files read-only)"
	}
	return " in " + mode + " mode"
}

func printRetry(w io.Writer, res app.RetryResult) {
	if res.Jobs == 0 {
		fmt.Fprintln(w, "nothing is queued")
	}
	for _, v := range res.Archived {
		fmt.Fprintf(w, "archived %s in %s: %d objects verified\n", v.Ref, v.Store, v.Verified)
	}
}

func (a *cli) printArchiveRows(w io.Writer, rows []app.ArchiveRow) {
	t := [][]string{{"bundle", "state", "objects", "size", "locked until", "hold", "note"}}
	for _, r := range rows {
		until := ""
		if r.RetainUntil != nil {
			until = r.RetainUntil.In(a.cfg.Timezone).Format("2006-01-02")
		}
		hold := ""
		if r.Hold {
			hold = "yes"
		}
		t = append(t, []string{r.Ref.String(), r.State.Label(), strconv.Itoa(r.Objects), fmt.Sprintf("%.1f MB", float64(r.Bytes)/1e6), until, hold, r.Error})
	}
	table(w, t)
}

func printArchiveVerify(w io.Writer, res app.ArchiveVerifyResult) {
	hold := ""
	if res.Hold {
		hold = ", legal hold on"
	}
	fmt.Fprintf(w, "archived bundle %s in %s: %d objects (%.1f MB) re-read, every hash matches, retention in place%s\n", res.Ref, res.Store,
		res.Report.Checked, float64(res.Report.Bytes)/1e6, hold)
}

func printHold(w io.Writer, res app.HoldResult) {
	state := "placed on"
	if !res.LegalHold {
		state = "lifted from"
	}
	fmt.Fprintf(w, "legal hold %s %d objects of %s\n", state, res.Objects, res.Ref)
}
