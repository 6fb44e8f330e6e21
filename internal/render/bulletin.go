package render

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/draw"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// Bulletin is an identification bulletin: one A4 page with stills of a
// person, when and where they were taken, the description, the case
// number and whom to contact.
type Bulletin struct {
	Language string // sv | en
	Zone     *time.Location
	Case     Case
	Text     string // the description of the person
	Contact  string
	Created  time.Time
	Software string
	Items    []BulletinItem
}

// BulletinItem is one entry's still, and an enhanced crop of it if asked.
type BulletinItem struct {
	Entry      int
	At         time.Time // true time of the frame shown
	CameraName string
	Address    string
	Image      image.Image
	Crop       image.Rectangle // in Image's pixels; empty: no crop
}

// Enhanced is what an enhanced crop does to a still: the crop, enlarged
// (Catmull-Rom) to at least width pixels, its levels stretched so that the
// darkest and brightest 0.5 % of its pixels become black and white.
func Enhanced(src image.Image, crop image.Rectangle, width int) (*image.RGBA, float64) {
	crop = crop.Intersect(src.Bounds())
	scale := math.Max(1, float64(width)/float64(crop.Dx()))
	dst := image.NewRGBA(image.Rect(0, 0, int(float64(crop.Dx())*scale+0.5), int(float64(crop.Dy())*scale+0.5)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	var hist [256]int
	for i := 0; i < len(dst.Pix); i += 4 {
		hist[(299*int(dst.Pix[i])+587*int(dst.Pix[i+1])+114*int(dst.Pix[i+2]))/1000]++
	}
	n := len(dst.Pix) / 4
	lo, hi, acc := 0, 255, 0
	for lo = 0; lo < 255; lo++ {
		if acc += hist[lo]; acc > n/200 {
			break
		}
	}
	acc = 0
	for hi = 255; hi > 0; hi-- {
		if acc += hist[hi]; acc > n/200 {
			break
		}
	}
	if hi > lo {
		var lut [256]uint8
		for v := range lut {
			lut[v] = uint8(math.Max(0, math.Min(255, float64(v-lo)*255/float64(hi-lo)+0.5)))
		}
		for i := 0; i < len(dst.Pix); i += 4 {
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = lut[dst.Pix[i]], lut[dst.Pix[i+1]], lut[dst.Pix[i+2]]
		}
	}
	return dst, scale
}

// WriteBulletin writes the bulletin as a one-page A4 PDF.
func WriteBulletin(w io.Writer, b Bulletin) error {
	t := bulletinWords(b.Language)
	zone := b.Zone
	if zone == nil {
		zone = time.UTC
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(b.Created)
	pdf.SetModificationDate(b.Created)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(t["title"]+" "+b.Case.Number, true)
	pdf.SetCreator(b.Software, true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetMargins(14, 12, 14)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pageW, pageH := pdf.GetPageSize()
	left, top, right, _ := pdf.GetMargins()
	width := pageW - left - right

	// Heading band.
	pdf.SetFillColor(24, 30, 44)
	pdf.Rect(0, 0, pageW, 30, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetXY(left, top-3)
	pdf.SetFont("go", "B", 22)
	pdf.CellFormat(width, 11, t["title"], "", 2, "L", false, 0, "")
	pdf.SetFont("go", "", 12)
	pdf.CellFormat(width, 7, t["subtitle"], "", 2, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)

	// Case, crime, place, date.
	pdf.SetXY(left, 34)
	pdf.SetFont("go", "B", 15)
	pdf.CellFormat(width, 8, t["case"]+" "+b.Case.Number, "", 2, "L", false, 0, "")
	var days []string
	seen := map[string]bool{}
	for _, it := range b.Items {
		d := it.At.In(zone).Format("2006-01-02")
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	sort.Strings(days)
	what := strings.Join(nonEmpty(b.Case.Crime, b.Case.Place, strings.Join(days, ", ")), " · ")
	pdf.SetFont("go", "", 11.5)
	pdf.MultiCell(width, 6, what, "", "L", false)

	// The stills: full frames, and enhanced crops where asked, in a grid
	// that fits what is left of the page above the description.
	type tile struct {
		img     image.Image
		caption string
	}
	var tiles []tile
	enhanced := false
	for i, it := range b.Items {
		caption := fmt.Sprintf("%s %d · %s · %s", t["image"], i+1, clock.FormatDisplay(it.At, zone), strings.Join(nonEmpty(it.CameraName, it.Address), ", "))
		tiles = append(tiles, tile{it.Image, caption})
		if !it.Crop.Empty() {
			img, scale := Enhanced(it.Image, it.Crop, 960)
			tiles = append(tiles, tile{img, fmt.Sprintf(t["crop"], i+1, scale)})
			enhanced = true
		}
	}
	gridTop := pdf.GetY() + 3
	textH := 62.0 // the description, contact and footer below the grid
	avail := pageH - gridTop - textH
	cols := 1
	if len(tiles) > 1 {
		cols = 2
	}
	rows := (len(tiles) + cols - 1) / cols
	const gap, captionH = 4.0, 9.0
	tileW := (width - gap*float64(cols-1)) / float64(cols)
	maxH := (avail-float64(rows-1)*gap)/float64(rows) - captionH
	y := gridTop
	for r := 0; r < rows; r++ {
		rowH := 0.0
		for c := 0; c < cols; c++ {
			i := r*cols + c
			if i >= len(tiles) {
				break
			}
			bd := tiles[i].img.Bounds()
			w := tileW
			h := w * float64(bd.Dy()) / float64(bd.Dx())
			if h > maxH {
				h, w = maxH, maxH*float64(bd.Dx())/float64(bd.Dy())
			}
			x := left + float64(c)*(tileW+gap) + (tileW-w)/2
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, tiles[i].img, &jpeg.Options{Quality: 92}); err != nil {
				return err
			}
			name := fmt.Sprintf("tile-%d", i)
			pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, &buf)
			pdf.ImageOptions(name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
			pdf.SetXY(left+float64(c)*(tileW+gap), y+h+0.8)
			pdf.SetFont("go", "", 8.5)
			pdf.MultiCell(tileW, 3.8, tiles[i].caption, "", "L", false)
			rowH = math.Max(rowH, h+captionH)
		}
		y += rowH + gap
	}

	// Description and contact.
	y = math.Max(y, pageH-textH) + 2
	pdf.SetXY(left, y)
	pdf.SetFont("go", "B", 12)
	pdf.CellFormat(width, 6.5, t["description"], "", 2, "L", false, 0, "")
	pdf.SetFont("go", "", 11.5)
	pdf.MultiCell(width, 5.6, b.Text, "", "L", false)
	pdf.Ln(2.5)
	pdf.SetFillColor(255, 236, 179)
	pdf.SetFont("go", "B", 12.5)
	pdf.MultiCell(width, 7, t["contact"]+": "+b.Contact+" · "+t["quote"]+" "+b.Case.Number, "", "L", true)
	pdf.SetXY(left, pageH-14)
	pdf.SetFont("go", "", 7.5)
	pdf.SetTextColor(80, 80, 80)
	note := t["stills_note"]
	if enhanced {
		note += " " + t["enhanced_note"]
	}
	pdf.MultiCell(width, 3.4, note+" "+fmt.Sprintf(t["made"], clock.FormatDisplay(b.Created, zone), b.Software), "", "L", false)
	if pdf.PageCount() != 1 {
		return fmt.Errorf("bulletin: does not fit on one page")
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("bulletin: %w", err)
	}
	return pdf.Output(w)
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

var bulletinText = map[string]map[string]string{
	"sv": {
		"title": "Vem är personen?", "subtitle": "Efterlysning för identifiering – internt inom Polisen", "case": "Ärende",
		"image": "Bild", "crop": "Förstorat utsnitt av bild %d (×%.1f, kontrasten utsträckt) – förbättrad bild",
		"description": "Signalement", "contact": "Kontakt", "quote": "ange ärende",
		"stills_note":   "Stillbilder ur övervakningsfilm; tiderna är sann tid.",
		"enhanced_note": "Förstorade utsnitt är förbättrade (förstorade och kontrastjusterade) och markerade som sådana; originalbilderna finns i ärendet.",
		"made":          "Framtagen %s med %s.",
	},
	"en": {
		"title": "Do you know this person?", "subtitle": "Identification bulletin – police internal", "case": "Case",
		"image": "Image", "crop": "Enlarged crop of image %d (×%.1f, contrast stretched) – enhanced image",
		"description": "Description", "contact": "Contact", "quote": "quote case",
		"stills_note":   "Stills from surveillance footage; times are true time.",
		"enhanced_note": "Enlarged crops are enhanced (enlarged and contrast adjusted) and marked as such; the original frames are in the case.",
		"made":          "Made %s with %s.",
	},
}

func bulletinWords(language string) map[string]string {
	if w, ok := bulletinText[language]; ok {
		return w
	}
	return bulletinText["en"]
}
