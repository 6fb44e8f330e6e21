package bundle

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The bundle's layout (design.md §7): its directories and standard file
// names. Nothing else in klipp spells them.
const (
	ClipsDir  = "clips"  // clips/NN-<camera>-<HHMMSS>.mp4 and their .json records
	StillsDir = "stills" // stills/NN-<camera>-<HHMMSS.mmm>.png
	NativeDir = "native" // native/<camera>/… bit-exact source segments
	SheetsDir = "sheets" // sheets/NN-<camera>-<HHMMSS>.png contact sheets of clip ranges and their .json records

	ManifestName     = "manifest.json"
	SumsName         = "SHA256SUMS"
	SignatureName    = "SHA256SUMS.sig"
	TimelineJSON     = "timeline.json"
	TimelineCSV      = "timeline.csv"
	AuditName        = "audit.jsonl"
	ReportName       = "report.pdf"
	PresentationName = "presentation.mp4"
	IndexName        = "index.html"
	CaseName         = "case.json"         // the case and its request, for the viewer and scripts
	MapName          = "map.png"           // the report's map diagram
	PreservationName = "preservation.json" // a retention preservation bundle's description

	// JournalName is the resume journal inside a bundle under construction.
	JournalName = ".journal.json"
	// ExportMarker marks a directory klipp made for bundles.
	ExportMarker = ".klipp-exports"
)

// Dirs are the directories every export bundle has.
var Dirs = []string{ClipsDir, StillsDir, NativeDir}

// ClipPath is the bundle path of entry number's clip on camera, at the
// display-zone clock time hhmmss (HHMMSS).
func ClipPath(number int, camera, hhmmss string) string {
	return fmt.Sprintf("%s/%02d-%s-%s.mp4", ClipsDir, number, camera, hhmmss)
}

// RecordPath is the bundle path of a clip's .json record.
func RecordPath(clip string) string { return strings.TrimSuffix(clip, ".mp4") + ".json" }

// StillPath is the bundle path of entry number's still on camera at the
// display-zone clock time stamp (HHMMSS.mmm).
func StillPath(number int, camera, stamp string) string {
	return fmt.Sprintf("%s/%02d-%s-%s.png", StillsDir, number, camera, stamp)
}

// SheetPath is the bundle path of entry number's contact sheet of its
// clip range on camera, from the display-zone clock time hhmmss.
func SheetPath(number int, camera, hhmmss string) string {
	return fmt.Sprintf("%s/%02d-%s-%s.png", SheetsDir, number, camera, hhmmss)
}

// SheetRecordPath is the bundle path of a contact sheet's .json record.
func SheetRecordPath(sheet string) string { return strings.TrimSuffix(sheet, ".png") + ".json" }

// NativePath is the bundle path of a source segment's copy: rel is its
// path below the camera's recordings directory.
func NativePath(camera, rel string) string {
	return NativeDir + "/" + camera + "/" + filepath.ToSlash(rel)
}

// IsNative reports whether a bundle path is a native copy.
func IsNative(p string) bool { return strings.HasPrefix(p, NativeDir+"/") }

// IsClip reports whether a bundle path is a clip (not its record).
func IsClip(p string) bool { return strings.HasPrefix(p, ClipsDir+"/") && strings.HasSuffix(p, ".mp4") }

// WorkDir is the hidden name a bundle is built under in its case
// directory, renamed to id when complete.
func WorkDir(id string) string { return "." + id + ".part" }

// WorkID returns the export id of a work directory's name, or "" when name
// is not one.
func WorkID(name string) string {
	if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".part") {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(name, "."), ".part")
}
