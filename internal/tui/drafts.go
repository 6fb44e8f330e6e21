package tui

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
)

// Drafts keeps text still being typed (the new-case form, an entry's text,
// an edit) in one small JSON file, written whole through a temporary name
// on every change: quitting, a crash or SIGKILL loses nothing entered.
type Drafts struct {
	path string
	mu   sync.Mutex
}

// NewDrafts keeps drafts in the file at path.
func NewDrafts(path string) *Drafts { return &Drafts{path: path} }

func (d *Drafts) read() map[string][]string {
	m := map[string][]string{}
	if data, err := os.ReadFile(d.path); err == nil {
		json.Unmarshal(data, &m) // an unreadable file holds no drafts
	}
	return m
}

// Save keeps fields under key; nil clears the key.
func (d *Drafts) Save(key string, fields []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.read()
	if fields == nil {
		if _, ok := m[key]; !ok {
			return nil
		}
		delete(m, key)
	} else {
		m[key] = fields
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return atomicfile.Write(d.path, data)
}

// Get returns the fields kept under key, nil when none.
func (d *Drafts) Get(key string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.read()[key]
}
