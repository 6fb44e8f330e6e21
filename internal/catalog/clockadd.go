package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// AddClock adds a clock measurement to camera id in the catalog file,
// keeping the rest of the file byte for byte (comments and layout): the
// measurement goes after the camera's last one, or in a new "clock:" at
// the end of the camera. A catalog whose layout that does not read is
// re-encoded from its YAML nodes (comments kept). The result is read back
// and must hold the camera with one more measurement before the file is
// replaced. It returns the catalog as written and its bytes.
func AddClock(catalogFile, id string, m EntryClock, defaultZone *time.Location) (*Catalog, []byte, error) {
	data, err := os.ReadFile(catalogFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fault.Usagef("camera catalog %s does not exist (set catalog: in klipp.yaml)", catalogFile)
		}
		return nil, nil, fault.Usagef("camera catalog: %w", err)
	}
	old, err := Parse(catalogFile, data, defaultZone)
	if err != nil {
		return nil, nil, err
	}
	cam, err := old.Camera(id)
	if err != nil {
		return nil, nil, err
	}
	e := cam.Entry()
	e.Clock = append(append([]EntryClock(nil), e.Clock...), m)
	if _, err := FromEntry(e, filepath.Dir(catalogFile), defaultZone); err != nil {
		return nil, nil, fault.Usagef("camera %s: %v", id, err)
	}
	want := len(cam.Clock.Measurements()) + 1
	check := func(out []byte) (*Catalog, error) {
		cat, err := Parse(catalogFile, out, defaultZone)
		if err != nil {
			return nil, err
		}
		c, err := cat.Camera(id)
		if err != nil {
			return nil, err
		}
		if n := len(c.Clock.Measurements()); n != want || len(cat.Cameras) != len(old.Cameras) {
			return nil, fmt.Errorf("camera %s has %d clock measurements after the edit, not %d", id, n, want)
		}
		return cat, nil
	}
	out, ok := insertClockText(data, id, m)
	var cat *Catalog
	if ok {
		cat, err = check(out)
	}
	if !ok || err != nil {
		if out, err = insertClockNode(data, id, m); err != nil {
			return nil, nil, fmt.Errorf("add clock measurement: %w", err)
		}
		if cat, err = check(out); err != nil {
			return nil, nil, fmt.Errorf("add clock measurement: %w", err)
		}
	}
	if err := atomicfile.Write(catalogFile, out); err != nil {
		return nil, nil, fault.Wrap(fault.Storage, err)
	}
	return cat, out, nil
}

// clockItem is m as block-sequence item lines, its "-" at column pad.
func clockItem(m EntryClock, pad int) (string, error) {
	var item bytes.Buffer
	enc := yaml.NewEncoder(&item)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return "", err
	}
	enc.Close()
	var b strings.Builder
	for i, line := range strings.SplitAfter(item.String(), "\n") {
		if line == "" {
			continue
		}
		if i == 0 {
			b.WriteString(strings.Repeat(" ", pad) + "- ")
		} else {
			b.WriteString(strings.Repeat(" ", pad+2))
		}
		b.WriteString(line)
	}
	return b.String(), nil
}

// insertClockText edits the text of a block-style catalog (see
// scanLayout); ok is false when it cannot.
func insertClockText(data []byte, id string, m EntryClock) ([]byte, bool) {
	lay, ok := scanLayout(data)
	if !ok {
		return nil, false
	}
	for _, it := range lay.items {
		var doc yaml.Node
		if yaml.Unmarshal(data[it.start:it.end], &doc) != nil || len(doc.Content) != 1 || len(doc.Content[0].Content) != 1 {
			return nil, false
		}
		node := doc.Content[0].Content[0]
		if node.Kind != yaml.MappingNode || mapValue(node, "id") == nil || mapValue(node, "id").Value != id {
			continue
		}
		lines := strings.SplitAfter(string(data[it.start:it.end]), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		// lastContent is the last line (0-based, of the span) before
		// line `before` that holds more than blanks and a comment.
		lastContent := func(from, before int) int {
			for i := before - 1; i >= from; i-- {
				if t := strings.TrimSpace(lines[i]); t != "" && t[0] != '#' {
					return i
				}
			}
			return -1
		}
		var after, pad int
		var text string
		if seq := mapValue(node, "clock"); seq != nil {
			if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 {
				return nil, false
			}
			next := len(lines)
			for i := 0; i+1 < len(node.Content); i += 2 {
				if k := node.Content[i]; k.Line-1 > seq.Content[0].Line-1 && k.Line-1 < next {
					next = k.Line - 1
				}
			}
			after = lastContent(seq.Content[0].Line-1, next)
			first := lines[seq.Content[0].Line-1]
			pad = strings.Index(first, "-")
			if after < 0 || pad < 0 {
				return nil, false
			}
			item, err := clockItem(m, pad)
			if err != nil {
				return nil, false
			}
			text = item
		} else {
			after = lastContent(0, len(lines))
			keyPad := node.Content[0].Column - 1
			item, err := clockItem(m, keyPad+2)
			if err != nil {
				return nil, false
			}
			text = strings.Repeat(" ", keyPad) + "clock:\n" + item
		}
		if !strings.HasSuffix(lines[after], "\n") {
			lines[after] += "\n"
		}
		lines[after] += text
		var b bytes.Buffer
		b.Write(data[:it.start])
		b.WriteString(strings.Join(lines, ""))
		b.Write(data[it.end:])
		return b.Bytes(), true
	}
	return nil, false
}

// insertClockNode adds m to the camera's clock in the document's node
// tree and encodes it again (comments are kept, layout may not be).
func insertClockNode(data []byte, id string, m EntryClock) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("not one YAML document")
	}
	cams := mapValue(doc.Content[0], "cameras")
	if cams == nil || cams.Kind != yaml.SequenceNode {
		return nil, errors.New("no cameras sequence")
	}
	for _, n := range cams.Content {
		if v := mapValue(n, "id"); v == nil || v.Value != id {
			continue
		}
		var item yaml.Node
		if err := item.Encode(m); err != nil {
			return nil, err
		}
		seq := mapValue(n, "clock")
		if seq == nil {
			seq = &yaml.Node{Kind: yaml.SequenceNode}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "clock"}, seq)
		}
		if seq.Kind != yaml.SequenceNode {
			seq.Kind, seq.Tag, seq.Value = yaml.SequenceNode, "", ""
		}
		seq.Content = append(seq.Content, &item)
		return yaml.Marshal(&doc)
	}
	return nil, fmt.Errorf("camera %q not found", id)
}

// mapValue is the value of key in mapping node n (nil when none).
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
