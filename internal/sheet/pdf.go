package sheet

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
)

// PDFInfo is the document's metadata.
type PDFInfo struct {
	Title   string
	Author  string
	Creator string
	Created time.Time
}

// WritePDF writes pages as an A4 landscape PDF, one sheet page per PDF
// page, each picture as a lossless image fitted to the page.
func WritePDF(w io.Writer, pages []*image.YCbCr, info PDFInfo) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCreationDate(info.Created)
	pdf.SetModificationDate(info.Created)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(info.Title, true)
	pdf.SetAuthor(info.Author, true)
	pdf.SetCreator(info.Creator, true)
	pdf.SetMargins(8, 8, 8)
	pdf.SetAutoPageBreak(false, 0)
	pageW, pageH := pdf.GetPageSize()
	for i, p := range pages {
		var b bytes.Buffer
		if err := png.Encode(&b, RGBA(p)); err != nil {
			return err
		}
		name := fmt.Sprintf("page%d", i+1)
		pdf.AddPage()
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &b)
		w, h := pageW-16, (pageW-16)*float64(p.Rect.Dy())/float64(p.Rect.Dx())
		if h > pageH-16 {
			h, w = pageH-16, (pageH-16)*float64(p.Rect.Dx())/float64(p.Rect.Dy())
		}
		pdf.ImageOptions(name, 8, 8, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	return pdf.Output(w)
}
