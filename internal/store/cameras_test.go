package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// The catalog's cameras: replaced as a whole, read one by one, in a box
// and in file order; two catalog files kept apart.
func TestCatalogCameras(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		const file = "/site/cameras.yaml"
		if _, err := st.Catalog(ctx, file); !errors.Is(err, ErrNotFound) {
			t.Fatalf("empty store: %v, want ErrNotFound", err)
		}
		var cams []CatalogCamera
		for i := 0; i < 1234; i++ { // more than one INSERT batch
			cams = append(cams, CatalogCamera{ID: fmt.Sprintf("cam-%04d", 1233-i), Ord: i, Line: 3 + 5*i,
				Lat: 59 + float64(i)*0.001, Lon: 18 + float64(i%10)*0.001, Entry: fmt.Sprintf(`{"id":"cam-%04d","name":"K\u00e4mera \u0007%d"}`, 1233-i, i)})
		}
		t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
		f := CatalogFile{File: file, Size: 123456, MtimeNs: 1, CtimeNs: 2, Inode: 3, SHA256: "aa", Loaded: t0}
		if err := st.ReplaceCatalog(ctx, f, cams); err != nil {
			t.Fatal(err)
		}
		got, err := st.Catalog(ctx, file)
		if err != nil || got.SHA256 != "aa" || got.Cameras != 1234 || got.Size != 123456 || got.Inode != 3 || !got.Loaded.Equal(t0) {
			t.Fatalf("catalog file: %+v %v", got, err)
		}
		c, err := st.CatalogCamera(ctx, file, "cam-0000")
		if err != nil || c != cams[1233] {
			t.Errorf("camera: %+v %v, want %+v", c, err, cams[1233])
		}
		if _, err := st.CatalogCamera(ctx, file, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown camera: %v", err)
		}
		all, err := st.CatalogCameras(ctx, file)
		if err != nil || len(all) != 1234 || all[0] != cams[0] || all[1233] != cams[1233] {
			t.Errorf("all: %d %v", len(all), err)
		}
		in, err := st.CatalogCamerasIn(ctx, file, 59.1, 59.2, 18.002, 18.004)
		want := 0
		for _, c := range cams {
			if c.Lat >= 59.1 && c.Lat <= 59.2 && c.Lon >= 18.002 && c.Lon <= 18.004 {
				if want < len(in) && in[want] != c {
					t.Errorf("box[%d] = %+v, want %+v", want, in[want], c)
				}
				want++
			}
		}
		if err != nil || len(in) != want || want == 0 {
			t.Errorf("box: %d cameras %v, want %d", len(in), err, want)
		}
		ids, err := st.CatalogIDs(ctx, file, 3)
		if err != nil || fmt.Sprint(ids) != "[cam-0000 cam-0001 cam-0002]" {
			t.Errorf("ids: %v %v", ids, err)
		}
		// Same bytes, new identity: touched, cameras kept.
		f2 := f
		f2.MtimeNs, f2.Inode = 10, 30
		if err := st.TouchCatalog(ctx, f2); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Catalog(ctx, file); got.MtimeNs != 10 || got.Inode != 30 || got.Cameras != 1234 {
			t.Errorf("touched: %+v", got)
		}
		// Another catalog file is kept apart; replacing drops cameras gone from the file.
		if err := st.ReplaceCatalog(ctx, CatalogFile{File: "/other/cameras.yaml", SHA256: "bb", Loaded: t0}, cams[:2]); err != nil {
			t.Fatal(err)
		}
		if err := st.ReplaceCatalog(ctx, CatalogFile{File: file, SHA256: "cc", Loaded: t0}, cams[5:7]); err != nil {
			t.Fatal(err)
		}
		if all, _ := st.CatalogCameras(ctx, file); len(all) != 2 || all[0] != cams[5] {
			t.Errorf("after replace: %+v", all)
		}
		if all, _ := st.CatalogCameras(ctx, "/other/cameras.yaml"); len(all) != 2 {
			t.Errorf("other catalog: %d cameras", len(all))
		}
		if v, _ := st.SchemaVersion(ctx); v < 13 {
			t.Errorf("schema version %d", v)
		}
		// A failed replace leaves the catalog as it was.
		dup := []CatalogCamera{cams[0], cams[0]}
		if err := st.ReplaceCatalog(ctx, CatalogFile{File: file, SHA256: "dd", Loaded: t0}, dup); err == nil {
			t.Error("duplicate ids stored")
		}
		if got, _ := st.Catalog(ctx, file); got.SHA256 != "cc" {
			t.Errorf("after failed replace: %+v", got)
		}
	})
}
