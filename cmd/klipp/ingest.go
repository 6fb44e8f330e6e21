package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

// ingestRecord is what klipp keeps of a delivered file: where it came
// from, its hash at acquisition, and where the evidence copy is.
type ingestRecord struct {
	Original     string    `json:"original"`
	OriginalSize int64     `json:"original_size"`
	OriginalTime time.Time `json:"original_mtime"`
	SHA256       string    `json:"sha256"`
	Stored       string    `json:"stored"`
	Camera       string    `json:"camera"`
	Acquired     time.Time `json:"acquired"`
	By           string    `json:"by"`
	Note         string    `json:"note,omitempty"`
	CameraStart  time.Time `json:"camera_clock_start"`
	TrueStart    time.Time `json:"true_start"`
	TrueEnd      time.Time `json:"true_end"`
	StartFrom    string    `json:"start_from"`
	Status       string    `json:"status"`
	Damage       string    `json:"damage,omitempty"`
	Already      bool      `json:"already_ingested"`
}

func (a *cli) ingestCommand() *cobra.Command {
	var camera, start, note string
	cmd := &cobra.Command{
		Use:   "ingest FILE... --camera ID [--start T] [--note TEXT]",
		Short: "Copy delivered recordings into the evidence store: hashed at acquisition, probed, indexed and audited",
		Long: "Files delivered on media (a USB stick from Trafikverket, a shop's export) are copied into\n" +
			"<data_dir>/evidence/<camera>/, hashed while read, checked after writing, made read-only, probed and placed\n" +
			"on the camera's timeline. The start is --start (camera clock; one file at a time), else the file's\n" +
			"creation_time, else the time in its name by the camera's pattern. The original is never changed.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fault.Usagef("give the delivered files: klipp ingest FILE... --camera ID")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := a.config(); err != nil {
				return err
			}
			if camera == "" {
				return fault.Usagef("--camera is required: the camera that recorded the files (klipp cameras list)")
			}
			cam, err := a.camera(camera)
			if err != nil {
				return err
			}
			var startAt *time.Time
			if start != "" {
				if len(args) > 1 {
					return fault.Usagef("--start gives one file's start: ingest the %d files one at a time, or without --start if they carry their times", len(args))
				}
				t, err := parseTimeIn("start", start, cam.Timezone)
				if err != nil {
					return err
				}
				startAt = &t
			}
			for _, f := range args {
				if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
					return fault.NotFoundf("%s: not a readable file", f)
				}
			}
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			var out []ingestRecord
			for _, f := range args {
				r, err := a.ingestFile(ctx, cam, f, startAt, note)
				if err != nil {
					return err
				}
				if !r.Already {
					seg, from, err := footage.AddFile(ctx, st, cam, r.Stored, r.Original, startAt, r.SHA256, a.now())
					if err != nil {
						os.Remove(r.Stored) // not placed: nothing ingested
						return err
					}
					r.CameraStart, r.TrueStart, r.TrueEnd, r.StartFrom, r.Status, r.Damage = seg.CameraStart, seg.TrueStart, seg.TrueEnd, from, seg.Status, seg.Damaged
					data, _ := json.MarshalIndent(r, "", "  ")
					if err := atomicfile.Write(r.Stored+".json", append(data, '\n')); err != nil {
						return err
					}
					if err := a.record(audit.Entry{Action: "ingest", Camera: cam.ID, Hashes: map[string]string{r.Original: r.SHA256, r.Stored: r.SHA256},
						Detail: map[string]string{"original": r.Original, "stored": r.Stored, "camera_clock_start": r.CameraStart.Format(time.RFC3339Nano),
							"start_from": from, "note": note, "status": r.Status}}); err != nil {
						return err
					}
				}
				out = append(out, r)
			}
			return a.emit(out, func(w io.Writer) {
				rows := [][]string{{"file", "sha256", "stored as", "true start", "camera clock", "status"}}
				for _, r := range out {
					status := r.Status
					if r.Already {
						status = "already ingested"
					}
					rows = append(rows, []string{filepath.Base(r.Original), r.SHA256[:16] + "…", r.Stored, a.show(r.TrueStart), a.show(r.CameraStart), status})
				}
				table(w, rows)
			})
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera that recorded the files")
	cmd.Flags().StringVar(&start, "start", "", "start of the recording by the camera's clock, in the camera's time zone")
	cmd.Flags().StringVar(&note, "note", "", "how the files were delivered (e.g. USB from Trafikverket, ref 123)")
	return cmd
}

// ingestFile copies one delivered file into the evidence store, hashing it
// as it is read and checking the copy; an identical file ingested before
// is not copied again.
func (a *cli) ingestFile(ctx context.Context, cam *catalog.Camera, src string, start *time.Time, note string) (ingestRecord, error) {
	abs, _ := filepath.Abs(src)
	in, err := os.Open(src)
	if err != nil {
		return ingestRecord{}, fault.NotFoundf("%s: %v", src, err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return ingestRecord{}, err
	}
	r := ingestRecord{Original: abs, OriginalSize: fi.Size(), OriginalTime: fi.ModTime().UTC(), Camera: cam.ID, Acquired: a.now().UTC(), By: a.cfg.Analyst, Note: note}
	dir := filepath.Join(a.cfg.DataDir, "evidence", cam.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	tmp, err := atomicfile.Create(filepath.Join(dir, filepath.Base(src)))
	if err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	defer tmp.Abort()
	h := sha256.New()
	update, finish := a.progress("ingest " + filepath.Base(src))
	n, err := io.Copy(io.MultiWriter(tmp, h), &progressReader{r: in, total: fi.Size(), update: update})
	finish()
	if err != nil {
		return r, fault.Wrap(fault.Storage, fmt.Errorf("copy %s: %w", src, err))
	}
	if n != fi.Size() {
		return r, fault.Storagef("%s changed while it was copied (%d bytes read, %d expected)", src, n, fi.Size())
	}
	r.SHA256 = hex.EncodeToString(h.Sum(nil))
	r.Stored = filepath.Join(dir, r.SHA256[:16]+"-"+filepath.Base(src))
	if _, err := os.Stat(r.Stored + ".json"); err == nil {
		r.Already = true // copied and indexed before
		return r, nil
	}
	os.Remove(r.Stored) // a copy left by an ingest that could not place it
	if err := tmp.CommitAs(r.Stored); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	if _, sum, err := bundle.HashFile(r.Stored); err != nil || sum != r.SHA256 {
		os.Remove(r.Stored)
		return r, fault.Storagef("the evidence copy of %s does not match the SHA-256 read from it (%s); nothing was ingested", src, r.SHA256)
	}
	if err := os.Chmod(r.Stored, 0o444); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	return r, nil
}

// progressReader reports bytes read.
type progressReader struct {
	r      io.Reader
	done   int64
	total  int64
	update func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.update(p.done, p.total)
	return n, err
}
