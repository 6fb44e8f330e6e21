package casefile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

func TestCaseLifecycle(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	from := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	lat, lon := 55.6036, 13.0021
	c := store.Case{Number: "5000-K123456-26", Title: "Rån Södergatan", Crime: "rån", Place: "Södergatan 2, Malmö", Lat: &lat, Lon: &lon,
		From: from, To: from.Add(time.Hour), RequestedBy: "Insp. Berg", Suspect: "röd jacka"}
	if _, err := Create(ctx, st, c, "anna", now); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, st, c, "anna", now); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("duplicate: %v", err)
	}
	got, err := Get(ctx, st, c.Number)
	if err != nil || got.Title != "Rån Södergatan" || got.Status != "requested" || *got.Lat != lat || got.CreatedBy != "anna" || !got.From.Equal(from) {
		t.Fatalf("get: %+v %v", got, err)
	}
	got, err = Update(ctx, st, c.Number, now.Add(time.Hour), false, func(c *store.Case) { c.Status = "delivered" })
	if err != nil || got.Status != "delivered" {
		t.Fatalf("deliver: %+v %v", got, err)
	}
	var fe *fault.FieldError
	if _, err := Update(ctx, st, c.Number, now, false, func(c *store.Case) { c.Status = "requested" }); fault.KindOf(err) != fault.Usage || !errors.As(err, &fe) || fe.Field != "reopen" {
		t.Errorf("moving back without reopen: %v", err)
	}
	if _, err := Get(ctx, st, "5000-X"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("missing case: %v", err)
	}
	list, err := st.ListCases(ctx, "delivered")
	if err != nil || len(list) != 1 {
		t.Errorf("list: %v %v", list, err)
	}
}

func TestValidate(t *testing.T) {
	from := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	ok := store.Case{Number: "K1", Title: "t", From: from, To: from.Add(time.Hour), Status: "requested"}
	if err := Validate(ok); err != nil {
		t.Fatal(err)
	}
	bad := 200.0
	for name, edit := range map[string]func(*store.Case){
		"traversal":   func(c *store.Case) { c.Number = "../../etc" },
		"slash":       func(c *store.Case) { c.Number = "a/b" },
		"dots":        func(c *store.Case) { c.Number = "a..b" },
		"empty":       func(c *store.Case) { c.Number = "" },
		"no title":    func(c *store.Case) { c.Title = " " },
		"window":      func(c *store.Case) { c.To = c.From },
		"position":    func(c *store.Case) { c.Lat, c.Lon = &bad, &bad },
		"half a spot": func(c *store.Case) { c.Lat = &bad },
		"status":      func(c *store.Case) { c.Status = "done" },
	} {
		c := ok
		edit(&c)
		if err := Validate(c); fault.KindOf(err) != fault.Usage {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Validation names the request field, never a CLI flag.
func TestValidateNamesFields(t *testing.T) {
	from := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	ok := store.Case{Number: "K1", Title: "t", From: from, To: from.Add(time.Hour), Status: "requested"}
	for field, edit := range map[string]func(*store.Case){
		"title":    func(c *store.Case) { c.Title = "" },
		"from":     func(c *store.Case) { c.From = time.Time{} },
		"to":       func(c *store.Case) { c.To = c.From },
		"status":   func(c *store.Case) { c.Status = "done" },
		"position": func(c *store.Case) { l := 1.0; c.Lat = &l },
	} {
		c := ok
		edit(&c)
		err := Validate(c)
		var fe *fault.FieldError
		if !errors.As(err, &fe) || fe.Field != field || strings.Contains(err.Error(), "--") {
			t.Errorf("%s: %v", field, err)
		}
	}
	e := store.Entry{Case: "K1", Camera: "c", At: from, From: from, To: from.Add(time.Second), Text: "x", Tags: []string{"nope"}}
	var fe *fault.FieldError
	if err := ValidateEntry(e); !errors.As(err, &fe) || fe.Field != "tag" {
		t.Errorf("tag: %v", err)
	}
	e.Tags, e.Text = nil, " "
	if err := ValidateEntry(e); !errors.As(err, &fe) || fe.Field != "text" || fe.Message != "required: what the footage shows" {
		t.Errorf("text: %v", err)
	}
}
