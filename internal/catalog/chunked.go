package catalog

import (
	"bytes"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"
)

// A large catalog is read camera by camera: a YAML document's node tree
// costs several hundred bytes per value, which for 100,000 cameras is
// gigabytes. layout finds each camera's lines by indentation alone; every
// camera is then decoded on its own, with its line numbers moved to the
// file's. Anything layout or a camera's decoding does not understand
// (another top-level key, a flow sequence, an alias to another camera's
// anchor, a syntax error) falls back to reading the whole document, so
// results and messages are those of the whole-document reader.

// span is one camera's lines: bytes [start, end), starting at line
// (0-based) of the file.
type span struct {
	start, end, line int
}

// layout is where a catalog file's cameras are.
type layout struct {
	hasKey bool   // a "cameras:" line exists
	indent int    // the column of each camera's "-" (-1 before the first)
	items  []span // the cameras, in file order
	end    int    // where a camera added after the last one goes
}

// scanLayout reads the layout of a block-style catalog: only comments
// before a "cameras:" line at column 0, then sequence items at one
// indentation. ok is false for anything else.
func scanLayout(data []byte) (lay layout, ok bool) {
	lay.indent = -1
	pos, lineNo := 0, 0
	inSeq := false
	cur := -1 // index in items of the open item
	for pos < len(data) {
		eol := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if eol >= 0 {
			next = pos + eol + 1
		}
		line := bytes.TrimRight(data[pos:next], "\r\n")
		trimmed := bytes.TrimLeft(line, " ")
		ind := len(line) - len(trimmed)
		blank := len(bytes.TrimSpace(trimmed)) == 0 || trimmed[0] == '#'
		switch {
		case bytes.HasPrefix(line, []byte("\t")):
			return lay, false
		case blank:
		case !inSeq:
			if ind != 0 || !camerasKey(line) {
				return lay, false
			}
			inSeq, lay.hasKey, lay.end = true, true, next
		case lay.indent < 0 || ind == lay.indent:
			if !(bytes.HasPrefix(trimmed, []byte("- ")) || bytes.Equal(trimmed, []byte("-"))) {
				return lay, false
			}
			if lay.indent < 0 && ind == 0 && bytes.HasPrefix(trimmed, []byte("---")) {
				return lay, false
			}
			lay.indent = ind
			lay.items = append(lay.items, span{start: pos, end: next, line: lineNo})
			cur = len(lay.items) - 1
			lay.end = next
		case ind > lay.indent:
			lay.items[cur].end = next
			lay.end = next
		default:
			return lay, false
		}
		pos = next
		lineNo++
	}
	return lay, true
}

// camerasKey reports whether line is "cameras:" with nothing after it but
// spaces and a comment.
func camerasKey(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("cameras:"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

// parseChunked reads a catalog camera by camera. ok is false when the
// whole-document reader must read it instead.
func parseChunked(file string, data []byte, defaultZone *time.Location) (c *Catalog, ok bool, err error) {
	lay, ok := scanLayout(data)
	if !ok {
		return nil, false, nil
	}
	c = &Catalog{File: file, byID: make(map[string]*Camera, len(lay.items)), Cameras: make([]*Camera, 0, len(lay.items))}
	base := filepath.Dir(file)
	for i, it := range lay.items {
		var doc yaml.Node
		if err := yaml.Unmarshal(data[it.start:it.end], &doc); err != nil {
			return nil, false, nil
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
			return nil, false, nil
		}
		node := doc.Content[0].Content[0]
		var raw Entry
		if node.Kind != yaml.MappingNode || node.Decode(&raw) != nil {
			return nil, false, nil
		}
		if err := c.addNode(node, raw, it.line, i, base, defaultZone); err != nil {
			return nil, true, err
		}
	}
	return c, true, nil
}
