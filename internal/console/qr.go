package console

import (
	"fmt"
	"html/template"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// qrSVG draws text as a QR code in SVG, made here so that the page needs no
// image from anywhere: a phone camera opens the address without typing it.
func qrSVG(text string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("make QR code: %w", err)
	}
	bits := q.Bitmap() // with the quiet zone around it
	n := len(bits)
	var path strings.Builder
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			// One rectangle per run of dark modules keeps the path short.
			end := x
			for end+1 < len(row) && row[end+1] {
				end++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", x, y, end-x+1, end-x+1)
			x = end
		}
	}
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="QR code of the sign-in address" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`, //nolint:gosec // built from numbers only
		n, n, n, n, path.String())), nil
}
