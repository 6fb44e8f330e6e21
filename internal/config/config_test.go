package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func write(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "klipp.yaml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadFileEnvAndOverrides(t *testing.T) {
	f := write(t, `
timezone: Europe/Stockholm
data_dir: data
catalog: cams.yaml
clip: {before: 3s, after: 1m, mode: exact}
presentation: {width: 1280, height: 720, card_seconds: 2.5}
archive:
  backend: local
  s3: {bucket: bevis, tls: true}
retention_classes: {default: 10y, grov: 25y}
`)
	t.Setenv("KLIPP_ARCHIVE_BACKEND", "s3")
	t.Setenv("KLIPP_ARCHIVE_S3_LOCK_MODE", "compliance")
	c, err := Load(f, map[string]string{"analyst": "Anna Analytiker"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f)
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", c.DataDir, filepath.Join(dir, "data")},
		{"catalog", c.Catalog, filepath.Join(dir, "cams.yaml")},
		{"archive.path", c.Archive.Path, filepath.Join(dir, "data", "archive")},
		{"clip.before", c.Clip.Before, 3 * time.Second},
		{"clip.after", c.Clip.After, time.Minute},
		{"clip.mode", c.Clip.Mode, "exact"},
		{"presentation.width", c.Presentation.Width, 1280},
		{"presentation.card_seconds", c.Presentation.CardSeconds, 2.5},
		{"archive.backend (env)", c.Archive.Backend, "s3"},
		{"archive.s3.lock_mode (env)", c.Archive.S3.LockMode, "compliance"},
		{"archive.s3.bucket", c.Archive.S3.Bucket, "bevis"},
		{"archive.s3.tls", c.Archive.S3.TLS, true},
		{"archive.s3.endpoint default", c.Archive.S3.Endpoint, "127.0.0.1:9000"},
		{"analyst (flag)", c.Analyst, "Anna Analytiker"},
		{"retention grov", c.RetentionClasses["grov"], clock.Period{Years: 25}},
		{"retention default", c.RetentionClasses["default"], clock.Period{Years: 10}},
		{"timezone", c.Timezone.String(), "Europe/Stockholm"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/srv/xdg")
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/xdg/klipp" || c.Archive.Path != "/srv/xdg/klipp/archive" || c.Clip.Mode != "copy" || c.Presentation.Width != 1920 {
		t.Errorf("defaults wrong: %+v", c)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"unknown key", "clipp: {before: 5s}\n", `unknown key "clipp.before"`},
		{"unknown nested key", "archive: {s3: {bukket: x}}\n", `unknown key "archive.s3.bukket"`},
		{"wrong type", "presentation: {width: wide}\n", "presentation.width: want a number"},
		{"bad duration", "clip: {before: soon}\n", "clip.before: cannot read duration"},
		{"bad enum", "clip: {mode: fast}\n", `clip.mode: "fast" is not one of copy, exact, transcode`},
		{"bad zone", "timezone: Mars/Olympus\n", `timezone: unknown time zone "Mars/Olympus"`},
		{"bool", "archive: {s3: {tls: maybe}}\n", "archive.s3.tls: want true or false"},
		{"malformed", "timezone: Europe/Stockholm\nclip: [\n  before: 5s\n", "malformed YAML: line"},
		// Values that used to pass here and fail in the middle of an export.
		{"odd width", "presentation: {width: 1921}\n", "presentation.width: want an even number of pixels from 160 to 7680, got 1921"},
		{"odd height", "presentation: {height: 321}\n", "presentation.height: want an even number"},
		{"huge", "presentation: {width: 20000, height: 20000}\n", "presentation.width: want an even number of pixels"},
		{"negative card", "presentation: {card_seconds: -4}\n", "presentation.card_seconds: want seconds from 0.5 to 60"},
		{"negative clip", "clip: {before: -5s}\n", "clip.before: want a duration of zero or more"},
		{"zero retention", "retention_classes: {default: 0s}\n", "retention_classes.default: want a retention period longer than zero"},
		{"part of a year", "retention_classes: {default: 1.5y}\n", "retention_classes.default: cannot read period \"1.5y\": years are calendar years and must be whole"},
		{"root without a path", "roots: {cctv: \"\"}\n", "roots.cctv: want the directory"},
		{"store url", "store: {url: mysql://x}\n", "store.url: want empty (SQLite in data_dir) or postgres://"},
		{"password in url", "store: {url: \"postgres://anna:12345678901234@db/klipp\"}\n", "store.url: put no password in the URL (the value is not shown)"},
		{"numeric secret", "archive: {s3: {secret_key: 12345678901234}}\n", "archive.s3.secret_key: want text (quote it in YAML); the value is not shown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := write(t, c.body)
			_, err := Load(f, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "klipp.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
			if fault.KindOf(err) != fault.Usage {
				t.Errorf("kind = %d, want usage", fault.KindOf(err))
			}
			if strings.Contains(err.Error(), "12345678901234") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
	if _, err := Load("/nonexistent/klipp.yaml", nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
}

func TestRoots(t *testing.T) {
	d, _ := Load("", map[string]string{"data_dir": "/srv/k"})
	if d.Roots["evidence"] != "/srv/k/evidence" || d.Roots["exports"] != "/srv/k/exports" {
		t.Errorf("default roots: %v", d.Roots)
	}
	f := write(t, "data_dir: /srv/klipp\nroots: {cctv: /mnt/cctv-share, exports: exp}\n")
	t.Setenv("KLIPP_ROOTS_EVIDENCE", "/mnt/evidence")
	c, err := Load(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cctv": "/mnt/cctv-share", "evidence": "/mnt/evidence", "exports": filepath.Join(filepath.Dir(f), "exp")}
	for k, v := range want {
		if c.Roots[k] != v {
			t.Errorf("roots.%s = %q, want %q", k, c.Roots[k], v)
		}
	}
}
