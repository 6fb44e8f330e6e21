package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

// catalogBench imports a generated GeoJSON of n cameras into a small
// hand-written catalog, then times cameras show and cameras near as a user
// runs them: one whole process each, wall time and peak RSS from
// /usr/bin/time -v. Goals (issue 11): import < 30 s and < 500 MB; show and
// near < 200 ms.
func catalogBench(klipp string, n int, keep bool) error {
	dir, err := os.MkdirTemp("", "klipp-bench-catalog-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	if klipp, err = filepath.Abs(klipp); err != nil {
		return err
	}
	cfg := filepath.Join(dir, "klipp.yaml")
	if err := os.WriteFile(cfg, []byte("timezone: Europe/Stockholm\ndata_dir: "+filepath.Join(dir, "data")+"\ncatalog: cameras.yaml\nanalyst: bench\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(catalog.BenchYAML), 0o644); err != nil {
		return err
	}
	gj := filepath.Join(dir, "cameras.geojson")
	f, err := os.Create(gj)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := catalog.WriteTestGeoJSON(w, n, 1); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	f.Close()
	st, _ := os.Stat(gj)
	fmt.Printf("catalog bench in %s: %d cameras, GeoJSON %.1f MB\n", dir, n, float64(st.Size())/1e6)
	steps := []struct {
		name string
		args []string
		goal string
	}{
		{"import", []string{"cameras", "import", gj}, "< 30 s, < 500 MB"},
		{"show (first after import)", []string{"cameras", "show", catalog.TestCameraID(n / 2)}, "< 200 ms"},
		{"show", []string{"cameras", "show", catalog.TestCameraID(n - 1)}, "< 200 ms"},
		{"near --within 500m", []string{"cameras", "near", "59.3300,18.0600", "--within", "500m"}, "< 200 ms"},
		{"near --within 2km --at --speed bike", []string{"cameras", "near", "59.3300,18.0600", "--within", "2km", "--at", "2026-11-20 22:14:05", "--speed", "bike"}, "< 200 ms"},
		{"near CAMERA --within 1km", []string{"cameras", "near", catalog.TestCameraID(7), "--within", "1km"}, "< 200 ms"},
		{"list", []string{"cameras", "list"}, "(all cameras, every row decoded)"},
		{"show after cameras.yaml was edited", []string{"cameras", "show", catalog.TestCameraID(3)}, "(the file is read again once)"},
		{"show", []string{"cameras", "show", catalog.TestCameraID(3)}, "< 200 ms"},
	}
	for _, s := range steps {
		if strings.HasPrefix(s.name, "show after") {
			f, err := os.OpenFile(filepath.Join(dir, "cameras.yaml"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			f.WriteString("# edited by hand\n")
			f.Close()
		}
		args := append([]string{"-v", klipp, "--quiet", "--config", cfg}, s.args...)
		cmd := exec.Command("/usr/bin/time", args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v\n%s", s.name, err, tail(errb.String()))
		}
		wall, rss := timeV(errb.String())
		lines := strings.Count(out.String(), "\n")
		fmt.Printf("%-40s %8.3f s wall %8.1f MB peak RSS  %7d lines out   goal %s\n", s.name+":", wall, float64(rss)/1024, lines, s.goal)
	}
	return nil
}

var (
	wallRe = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)`)
	rssRe  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
)

// timeV reads wall seconds and peak RSS (KB) from /usr/bin/time -v.
func timeV(s string) (float64, int) {
	var wall float64
	if m := wallRe.FindStringSubmatch(s); m != nil {
		parts := strings.Split(m[1], ":")
		for _, p := range parts {
			v, _ := strconv.ParseFloat(p, 64)
			wall = wall*60 + v
		}
	}
	rss := 0
	if m := rssRe.FindStringSubmatch(s); m != nil {
		rss, _ = strconv.Atoi(m[1])
	}
	return wall, rss
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}
