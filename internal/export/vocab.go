package export

import "fmt"

// CutMode is how a clip is cut from its sources (design.md §6).
type CutMode string

// The cut modes.
const (
	// Copy keeps the original bitstream from the keyframe at or before the
	// start; the MP4 edit list hides the lead-in.
	Copy CutMode = "copy"
	// Exact is frame-accurate: only the frames before the first keyframe
	// inside the range are re-encoded.
	Exact CutMode = "exact"
	// Transcode re-encodes every frame (H.264).
	Transcode CutMode = "transcode"
)

// CutModes are the cut modes in the order they are offered.
var CutModes = []CutMode{Copy, Exact, Transcode}

// ParseCutMode reads a cut mode.
func ParseCutMode(s string) (CutMode, error) {
	for _, m := range CutModes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("%q: use copy, exact or transcode", s)
}

// GapPolicy is what a cut does about a gap in its range.
type GapPolicy string

// The gap policies.
const (
	GapFail  GapPolicy = "fail"  // refuse, listing the gaps
	GapSplit GapPolicy = "split" // one file per part
	GapAllow GapPolicy = "allow" // continue across the gap
)

// GapPolicies are the gap policies in the order they are offered.
var GapPolicies = []GapPolicy{GapFail, GapSplit, GapAllow}

// ParseGapPolicy reads a gap policy.
func ParseGapPolicy(s string) (GapPolicy, error) {
	for _, p := range GapPolicies {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q: use fail, split or allow", s)
}
