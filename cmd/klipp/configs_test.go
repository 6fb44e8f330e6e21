package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/config"
)

// TestExampleConfig: configs/klipp.yaml loads and documents every key.
func TestExampleConfig(t *testing.T) {
	file := filepath.Join("..", "..", "configs", "klipp.yaml")
	if _, err := config.Load(file, nil); err != nil {
		t.Fatalf("configs/klipp.yaml: %v", err)
	}
	data, _ := os.ReadFile(file)
	for _, k := range config.Keys() {
		if strings.HasPrefix(k, "retention_classes.") || strings.HasSuffix(k, "access_key") || strings.HasSuffix(k, "secret_key") {
			continue
		}
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("configs/klipp.yaml does not show %s", k)
		}
	}
}

// TestExampleCatalog: configs/cameras.yaml is the catalog klipp demo writes.
func TestExampleCatalog(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "configs", "cameras.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(site(t), "cameras.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	body := func(b []byte) string { return string(b[strings.Index(string(b), "cameras:"):]) }
	if body(example) != body(written) {
		t.Error("configs/cameras.yaml differs from the catalog klipp demo writes; copy it from a fresh demo")
	}
}

// TestImportFixture imports testdata/trafikverket-malmo.geojson into a copy
// of the demo catalog and finds the cameras with their coverage.
func TestImportFixture(t *testing.T) {
	dir := t.TempDir()
	written, _ := os.ReadFile(filepath.Join(site(t), "cameras.yaml"))
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), written, 0o644)
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\n"), 0o644)
	if code, _, errs := klipp(t, "--config", conf, "cameras", "import", filepath.Join("..", "..", "testdata", "trafikverket-malmo.geojson")); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ := klipp(t, "--config", conf, "--json", "cameras", "near", "55.5965,13.0119", "--within", "100m")
	var near []struct {
		Camera struct {
			ID, Name string
		}
		Inside bool `json:"inside_coverage"`
	}
	json.Unmarshal([]byte(out), &near)
	if code != 0 || len(near) != 1 || near[0].Camera.ID != "tv-e6-amiralsgatan" || near[0].Camera.Name != "Amiralsgatan/Föreningsgatan" || !near[0].Inside {
		t.Errorf("near the imported camera: %d %s", code, out)
	}
	if code, _, errs := klipp(t, "--config", conf, "cameras", "show", "tv-jarnvag-malmo-c-spar-7"); code != 0 {
		t.Errorf("show: %s", errs)
	}
}
