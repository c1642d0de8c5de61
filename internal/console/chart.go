package console

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// The reports' charts are SVG drawn on the server: no script, nothing inline
// that the CSP would refuse (colours come from classes in reports.css), and
// every chart names itself (<title>) and says what it shows (<desc>) for
// screen readers, with the same numbers in a table beside it.

// series is one row of numbers of a chart, one value per label.
type series struct {
	Name   string
	Class  string // chart-1 … chart-4, chart-bad: the colour
	Values []int
}

// chart is the data of one chart: labels along the x axis (days), one or
// more series over them.
type chart struct {
	ID     string // unique on the page, for the title and desc ids
	Title  string
	Desc   string
	Labels []string
	Series []series
	Wide   bool // spans the page rather than half of it
	// Phone marks the half-width copy of a wide chart that phones show
	// instead of it: scaled to a phone, the wide one is a flat strip of tiny text.
	Phone bool
}

// ForPhone is the chart drawn half-width, for phones (reports.css shows one
// of the two); its ids differ from the wide one's.
func (c chart) ForPhone() chart {
	c.Wide, c.Phone, c.ID = false, true, c.ID+"-phone"
	return c
}

func (c chart) width() int {
	if c.Wide {
		return chartW
	}
	return halfW
}

func (c chart) plotW() int { return c.width() - padLeft - padRight }

// A chart is drawn in a box of chartW (wide) or halfW user units by chartH;
// it scales to its column, and reports.css enlarges the axis text on small
// screens, where the scale shrinks it.
const (
	chartW, halfW, chartH     = 720, 480, 260
	padLeft, padRight, padTop = 52, 12, 14
	padBottom                 = 30
	plotH                     = chartH - padTop - padBottom
)

// niceMax rounds the largest value up to a round number of 4 equal steps.
func niceMax(v int) int {
	if v <= 4 {
		return 4
	}
	step := (v + 3) / 4
	mag := 1
	for mag*10 <= step {
		mag *= 10
	}
	for _, m := range []int{1, 2, 3, 5, 10} {
		if step <= m*mag {
			return 4 * m * mag
		}
	}
	return 4 * step
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// open starts the svg element and its axes; max is the top of the y axis.
func (c chart) open(b *strings.Builder, max int) {
	class := "chart"
	if c.Wide {
		class += " wide"
	}
	if c.Phone {
		class += " phone"
	}
	fmt.Fprintf(b, `<svg class="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" focusable="false">`, class, c.width(), chartH, c.ID, c.ID)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	for i := 0; i <= 4; i++ {
		y := padTop + plotH - plotH*i/4
		fmt.Fprintf(b, `<line class="grid" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padLeft, y, c.width()-padRight, y)
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%d" text-anchor="end">%d</text>`, padLeft-6, y+4, max*i/4)
	}
	n := len(c.Labels)
	most := 7 // labels along the axis, at most
	if !c.Wide {
		most = 5
	}
	every := max1((n + most - 1) / most)
	for i, l := range c.Labels {
		if i%every != 0 {
			continue
		}
		x := padLeft + c.plotW()*(2*i+1)/(2*max1(n))
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%d" text-anchor="middle">%s</text>`, x, chartH-8, esc(l))
	}
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// Bars draws the series stacked, one bar a label.
func (c chart) Bars() template.HTML {
	totals := make([]int, len(c.Labels))
	top := 0
	for _, s := range c.Series {
		for i, v := range s.Values {
			totals[i] += v
			top = max(top, totals[i])
		}
	}
	top = niceMax(top)
	var b strings.Builder
	c.open(&b, top)
	n := max1(len(c.Labels))
	slot := float64(c.plotW()) / float64(n)
	w := slot * 0.7
	if w > 36 {
		w = 36
	}
	base := make([]int, len(c.Labels))
	for _, s := range c.Series {
		for i, v := range s.Values {
			if v == 0 {
				continue
			}
			h := float64(plotH) * float64(v) / float64(top)
			y := float64(padTop+plotH) - float64(plotH)*float64(base[i]+v)/float64(top)
			x := float64(padLeft) + slot*float64(i) + (slot-w)/2
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2"><title>%s, %s: %d</title></rect>`,
				s.Class, x, y, w, h, esc(c.Labels[i]), esc(s.Name), v)
			base[i] += v
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built here, every text escaped
}

// Line draws each series as a line with its area shaded, for totals that
// grow over time.
func (c chart) Line() template.HTML {
	top := 0
	for _, s := range c.Series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	top = niceMax(top)
	var b strings.Builder
	c.open(&b, top)
	n := max1(len(c.Labels))
	for _, s := range c.Series {
		var pts []string
		for i, v := range s.Values {
			x := padLeft + c.plotW()*(2*i+1)/(2*n)
			y := padTop + plotH - plotH*v/top
			pts = append(pts, strconv.Itoa(x)+","+strconv.Itoa(y))
		}
		if len(pts) == 0 {
			continue
		}
		first := padLeft + c.plotW()/(2*n)
		last := padLeft + c.plotW()*(2*len(pts)-1)/(2*n)
		fmt.Fprintf(&b, `<polygon class="area %s" points="%d,%d %s %d,%d"/>`, s.Class, first, padTop+plotH, strings.Join(pts, " "), last, padTop+plotH)
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"/>`, s.Class, strings.Join(pts, " "))
		lastV := s.Values[len(s.Values)-1]
		lx, ly := last, padTop+plotH-plotH*lastV/top
		fmt.Fprintf(&b, `<circle class="dot %s" cx="%d" cy="%d" r="4"><title>%s, %s: %d</title></circle>`,
			s.Class, lx, ly, esc(c.Labels[len(c.Labels)-1]), esc(s.Name), lastV)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built here, every text escaped
}

// Rows is the chart's numbers as table rows: one a label, one cell a series.
func (c chart) Rows() [][]int {
	out := make([][]int, len(c.Labels))
	for i := range c.Labels {
		row := make([]int, len(c.Series))
		for j, s := range c.Series {
			row[j] = s.Values[i]
		}
		out[i] = row
	}
	return out
}

// Totals sums each series.
func (c chart) Totals() []int {
	out := make([]int, len(c.Series))
	for j, s := range c.Series {
		for _, v := range s.Values {
			out[j] += v
		}
	}
	return out
}

// barItem is one bar of a horizontal bar list (failures by reason), drawn in
// HTML with a proportional bar: long labels wrap there, as they would not in SVG.
type barItem struct {
	Label string
	Code  int
	Count int
	Share int // percent of the largest, for the bar's width class
}

// widthClass maps a share to one of 21 width classes (w0 … w100 in steps of 5),
// since the CSP allows no inline style.
func (b barItem) WidthClass() string {
	return "w" + strconv.Itoa((b.Share+2)/5*5)
}
