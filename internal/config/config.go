// Package config loads klipp.yaml (design.md §5b) through viper into a typed
// Config. It is the only package that imports viper. Every key is read
// explicitly and checked for its type; unknown keys are errors that name the
// key and the file.
package config

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// Config is klipp's configuration with every path absolute.
type Config struct {
	File     string // the file read, "" when none was found
	Timezone *time.Location
	DataDir  string
	Catalog  string
	Analyst  string
	Clip     Clip
	// DriftBound is the most a camera clock is assumed to drift in a day
	// away from its nearest measurement (clock.drift_bound).
	DriftBound   time.Duration
	Report       Report
	Presentation Presentation
	Archive      Archive
	Store        Store
	// RetentionClasses are how long bundles of each class are locked: a
	// year is a calendar year (10y from 3 December ends on 3 December).
	RetentionClasses map[string]clock.Period
	Signing          Signing
	// Roots maps root names to this machine's mount points: stored paths
	// are relative to a named root, so machines mounting one share at
	// different paths agree. "evidence" and "exports" default to
	// <data_dir>/evidence and <data_dir>/exports; cameras name theirs in
	// cameras.yaml (recordings: {root: cctv, path: sodergatan-2}).
	Roots map[string]string
}

// Store selects the store: empty URL = SQLite in data_dir (one analyst);
// postgres://login@host:port/db = the group's shared PostgreSQL. The
// password comes from PGPASSWORD or ~/.pgpass, never from a printed value.
type Store struct {
	URL string `json:"url,omitempty"`
}

// Signing is the key every export signs its SHA256SUMS with (an OpenSSH
// ed25519 private key without a passphrase) and the identity the
// recipients' allowed_signers file names it by. Empty Key: bundles are
// unsigned.
type Signing struct {
	Key      string // absolute path of the private key file
	Identity string
}

// Clip is the default clip range around a timeline entry.
type Clip struct {
	Before, After time.Duration
	Mode          string // copy | exact | transcode
}

// Report holds the written report's settings.
type Report struct {
	Language string // sv | en
	Page     string // A4 | Letter
	// ContactSheets: each entry with a clip gets a contact sheet of its
	// clip range in the bundle and the report (report.contact_sheets).
	ContactSheets bool
}

// Presentation holds the court presentation's settings.
type Presentation struct {
	Width, Height int // the largest frame (Size clips) or the frame (Size fixed)
	CardSeconds   float64
	Size          string // clips | fixed
}

// The presentation's sizes: SizeClips is the clips' own size with the
// caption bar (no clip scaled up when all share a size), at most
// Width×Height; SizeFixed is always Width×Height, every clip scaled to fit.
const (
	SizeClips = "clips"
	SizeFixed = "fixed"
)

// Archive selects and configures the archive backend.
type Archive struct {
	Backend string // local | s3
	Path    string
	S3      S3
}

// S3 configures the S3 backend. Credentials come from KLIPP_S3_ACCESS_KEY
// and KLIPP_S3_SECRET_KEY, or from the file's access_key and secret_key;
// they are never printed.
type S3 struct {
	Endpoint, Bucket, Prefix, Region string
	TLS                              bool
	CAFile                           string
	LockMode                         string // governance | compliance
	AccessKey                        string `json:"-"`
	SecretKey                        string `json:"-"`
}

var rootName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// defaults lists every key klipp knows with its default value; a key not
// listed here is unknown.
var defaults = map[string]any{
	"timezone":                  "Europe/Stockholm",
	"data_dir":                  "",
	"catalog":                   "cameras.yaml",
	"analyst":                   "",
	"clip.before":               "5s",
	"clock.drift_bound":         "2s/day",
	"clip.after":                "10s",
	"clip.mode":                 "copy",
	"report.language":           "sv",
	"report.page":               "A4",
	"report.contact_sheets":     true,
	"presentation.width":        1920,
	"presentation.height":       1080,
	"presentation.card_seconds": 4,
	"presentation.size":         "clips",
	"archive.backend":           "local",
	"archive.path":              "",
	"archive.s3.endpoint":       "127.0.0.1:9000",
	"archive.s3.bucket":         "evidence",
	"archive.s3.prefix":         "",
	"archive.s3.region":         "",
	"archive.s3.tls":            false,
	"archive.s3.ca_file":        "",
	"archive.s3.lock_mode":      "governance",
	"archive.s3.access_key":     "",
	"archive.s3.secret_key":     "",
	"retention_classes.default": "10y",
	"store.url":                 "",
	"roots.evidence":            "", // <data_dir>/evidence
	"roots.exports":             "", // <data_dir>/exports
	"signing.key":               "",
	"signing.identity":          "",
}

// Keys returns every known key, sorted (for documentation and completion).
func Keys() []string {
	ks := make([]string, 0, len(defaults))
	for k := range defaults {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Find returns the config file to use when none is named: $KLIPP_CONFIG,
// ./klipp.yaml, then $XDG_CONFIG_HOME/klipp/klipp.yaml; "" when none exists.
func Find() string {
	if f := os.Getenv("KLIPP_CONFIG"); f != "" {
		return f
	}
	if _, err := os.Stat("klipp.yaml"); err == nil {
		return "klipp.yaml"
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir != "" {
		f := filepath.Join(dir, "klipp", "klipp.yaml")
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

// Load reads file (which may be "" for defaults only), then KLIPP_* from the
// environment, then overrides (from command-line flags, by key). Errors are
// fault.Usage and name the file and key.
func Load(file string, overrides map[string]string) (*Config, error) {
	v := viper.New()
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("KLIPP")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	base, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	name := "defaults"
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, fault.Usagef("config %s: %w", file, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fault.Usagef("config file %s does not exist", file)
		}
		v.SetConfigFile(abs)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			var pe viper.ConfigParseError
			if errors.As(err, &pe) {
				return nil, fault.Usagef("%s: malformed YAML: %s", file, strings.TrimPrefix(errors.Unwrap(pe).Error(), "yaml: "))
			}
			return nil, fault.Usagef("%s: %w", file, err)
		}
		base, name = filepath.Dir(abs), file
		file = abs
	}
	for k, val := range overrides {
		v.Set(k, val)
	}
	for _, k := range v.AllKeys() {
		if _, ok := defaults[k]; !ok && !strings.HasPrefix(k, "retention_classes.") && !strings.HasPrefix(k, "roots.") {
			return nil, fault.Usagef("%s: unknown key %q (known keys: see README, Configuration)", name, k)
		}
	}

	r := reader{v: v, name: name}
	c := &Config{File: file}
	tz := r.str("timezone")
	c.Timezone, err = time.LoadLocation(tz)
	if err != nil || tz == "" {
		r.fail("timezone", "unknown time zone %q (use an IANA name such as Europe/Stockholm)", tz)
	}
	c.DataDir = resolve(base, r.str("data_dir"))
	if c.DataDir == "" {
		c.DataDir = defaultDataDir()
	}
	c.Catalog = resolve(base, r.str("catalog"))
	c.Analyst = r.str("analyst")
	if c.Analyst == "" {
		if u, err := user.Current(); err == nil {
			c.Analyst = u.Username
		}
	}
	c.Clip.Before = r.nonNegative("clip.before")
	if db, err := clock.ParseDriftBound(r.str("clock.drift_bound")); err != nil {
		r.fail("clock.drift_bound", "%v", err)
	} else {
		c.DriftBound = db
	}
	c.Clip.After = r.nonNegative("clip.after")
	c.Clip.Mode = r.oneOf("clip.mode", "copy", "exact", "transcode")
	c.Report.Language = r.oneOf("report.language", "sv", "en")
	c.Report.Page = r.oneOf("report.page", "A4", "Letter")
	c.Report.ContactSheets = r.boolean("report.contact_sheets")
	c.Presentation.Width = r.frameSide("presentation.width", MinSide, MaxWidth)
	c.Presentation.Height = r.frameSide("presentation.height", MinSide, MaxHeight)
	c.Presentation.CardSeconds = r.number("presentation.card_seconds")
	c.Presentation.Size = r.oneOf("presentation.size", SizeClips, SizeFixed)
	if cs := c.Presentation.CardSeconds; r.err == nil && (cs < 0.5 || cs > 60) {
		r.fail("presentation.card_seconds", "want seconds from 0.5 to 60 for each title card, got %v", cs)
	}
	c.Archive.Backend = r.oneOf("archive.backend", "local", "s3")
	c.Archive.Path = resolve(base, r.str("archive.path"))
	if c.Archive.Path == "" {
		c.Archive.Path = filepath.Join(c.DataDir, "archive")
	}
	c.Archive.S3 = S3{
		Endpoint:  r.str("archive.s3.endpoint"),
		Bucket:    r.str("archive.s3.bucket"),
		Prefix:    r.str("archive.s3.prefix"),
		Region:    r.str("archive.s3.region"),
		TLS:       r.boolean("archive.s3.tls"),
		CAFile:    resolve(base, r.str("archive.s3.ca_file")),
		LockMode:  r.oneOf("archive.s3.lock_mode", "governance", "compliance"),
		AccessKey: r.secret("archive.s3.access_key"),
		SecretKey: r.secret("archive.s3.secret_key"),
	}
	if k := os.Getenv("KLIPP_S3_ACCESS_KEY"); k != "" {
		c.Archive.S3.AccessKey = k
	}
	if k := os.Getenv("KLIPP_S3_SECRET_KEY"); k != "" {
		c.Archive.S3.SecretKey = k
	}
	c.Store.URL = r.str("store.url")
	if u := c.Store.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		r.fail("store.url", "want empty (SQLite in data_dir) or postgres://login@host:port/database")
	} else if u != "" && strings.Contains(strings.SplitN(strings.SplitN(u, "://", 2)[1], "@", 2)[0], ":") && strings.Contains(u, "@") {
		r.fail("store.url", "put no password in the URL (the value is not shown); use PGPASSWORD or ~/.pgpass")
	}
	c.Roots = map[string]string{"evidence": filepath.Join(c.DataDir, "evidence"), "exports": filepath.Join(c.DataDir, "exports")}
	for _, k := range v.AllKeys() {
		if name, ok := strings.CutPrefix(k, "roots."); ok {
			if !rootName.MatchString(name) || name == "recordings" {
				r.fail(k, "a root's name is lower-case letters, digits and dashes, not \"recordings\" (the name of each camera's own directory)")
			}
			switch dir := resolve(base, r.str(k)); {
			case dir != "":
				c.Roots[name] = dir
			case name != "evidence" && name != "exports":
				r.fail(k, "want the directory this machine mounts the root at")
			}
		}
	}
	c.Signing = Signing{Key: resolve(base, r.str("signing.key")), Identity: r.str("signing.identity")}
	r.signing(c.Signing)
	c.RetentionClasses = map[string]clock.Period{}
	for _, k := range v.AllKeys() {
		if cls, ok := strings.CutPrefix(k, "retention_classes."); ok {
			if c.RetentionClasses[cls] = r.period(k); r.err == nil && !c.RetentionClasses[cls].Positive() {
				r.fail(k, "want a retention period longer than zero, such as 10y")
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "klipp")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "klipp")
	}
	return filepath.Join(home, ".local", "share", "klipp")
}

// resolve expands ~ and makes p absolute relative to base; "" stays "".
func resolve(base, p string) string {
	if p == "" {
		return ""
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// reader reads typed values and keeps the first error.
type reader struct {
	v    *viper.Viper
	name string
	err  error
}

func (r *reader) fail(key, format string, args ...any) {
	if r.err == nil {
		r.err = fault.Usagef("%s: %s: %s", r.name, key, fmt.Sprintf(format, args...))
	}
}

func (r *reader) str(key string) string {
	switch x := r.v.Get(key).(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		r.fail(key, "want text, got %v", x)
		return ""
	}
}

// secret reads a credential. Its value never appears in a message,
// whatever its type.
func (r *reader) secret(key string) string {
	switch x := r.v.Get(key).(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		r.fail(key, "want text (quote it in YAML); the value is not shown")
		return ""
	}
}

// signing checks the signing key: readable, an unencrypted OpenSSH ed25519
// key, with an identity. Its content never appears in a message.
func (r *reader) signing(s Signing) {
	switch {
	case s.Key == "" && s.Identity != "":
		r.fail("signing.identity", "is set but signing.key is not: give the OpenSSH ed25519 private key to sign with")
	case s.Key == "":
	case r.err != nil:
	default:
		if err := bundle.CheckIdentity(s.Identity); err != nil {
			r.fail("signing.identity", "%v", err)
		} else if _, err := bundle.LoadSigner(s.Key, s.Identity); err != nil {
			r.fail("signing.key", "%v", err)
		}
	}
}

// Limits of the presentation's frame size: H.264 in yuv420p needs even
// sides, and the encoder and players take up to 8K.
const (
	MinSide   = 160
	MaxWidth  = 7680
	MaxHeight = 4320
)

// frameSide reads a video frame's width or height: even, within limits.
func (r *reader) frameSide(key string, lo, hi int) int {
	n := r.positiveInt(key)
	if r.err == nil && (n < lo || n > hi || n%2 != 0) {
		r.fail(key, "want an even number of pixels from %d to %d, got %d", lo, hi, n)
	}
	return n
}

// nonNegative reads a duration that may not be negative.
func (r *reader) nonNegative(key string) time.Duration {
	d := r.duration(key)
	if r.err == nil && d < 0 {
		r.fail(key, "want a duration of zero or more, got %v", d)
	}
	return d
}

func (r *reader) number(key string) float64 {
	switch x := r.v.Get(key).(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err == nil {
			return f
		}
	}
	r.fail(key, "want a number, got %q", fmt.Sprint(r.v.Get(key)))
	return 0
}

func (r *reader) positiveInt(key string) int {
	f := r.number(key)
	if f != float64(int(f)) || f <= 0 {
		r.fail(key, "want a positive whole number, got %v", r.v.Get(key))
	}
	return int(f)
}

func (r *reader) boolean(key string) bool {
	switch x := r.v.Get(key).(type) {
	case bool:
		return x
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b
		}
	}
	r.fail(key, "want true or false, got %q", fmt.Sprint(r.v.Get(key)))
	return false
}

func (r *reader) duration(key string) time.Duration {
	s := r.str(key)
	d, err := clock.ParseDuration(s)
	if err != nil {
		r.fail(key, "%v", err)
	}
	return d
}

func (r *reader) period(key string) clock.Period {
	p, err := clock.ParsePeriod(r.str(key))
	if err != nil {
		r.fail(key, "%v", err)
	}
	return p
}

func (r *reader) oneOf(key string, allowed ...string) string {
	s := r.str(key)
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a
		}
	}
	r.fail(key, "%q is not one of %s", s, strings.Join(allowed, ", "))
	return s
}
