package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Palette holds the run colours (Tableau 10): run i is drawn in
// Palette[i%len(Palette)].
var Palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// depthPalette colours the layers (pairs) of one run, from the input
// (dark purple) to the output (green-yellow): viridis, without its last,
// too light, stops.
var depthPalette = []string{"#440154", "#482878", "#3e4989", "#31688e", "#26828e",
	"#1f9e89", "#35b779", "#6ece58", "#b5de2b"}

// DepthColor returns the colour of layer i of n.
func DepthColor(i, n int) string {
	if n <= 1 {
		return depthPalette[0]
	}
	return depthPalette[i*(len(depthPalette)-1)/(n-1)]
}

// Series is one line of a chart. Points whose Y is not finite (or not
// positive on a log axis) are left out, breaking the line there.
type Series struct {
	Label string
	Color string
	X, Y  []float64
	Dash  bool // dashed line (e.g. test figures beside validation ones)
}

// Chart is a line chart rendered as an SVG element.
type Chart struct {
	Title, XLabel, YLabel string
	LogY                  bool
	Width, Height         int // of the whole SVG, legend included
	Series                []Series
}

// layout is where the plot area lies and how data map into it.
type layout struct {
	left, right, top, bottom float64 // plot area in SVG units
	xmin, xmax, ymin, ymax   float64 // data range (log10 values when logY)
	logY                     bool
}

// px maps a data x to the SVG x coordinate.
func (l *layout) px(x float64) float64 {
	return l.left + (x-l.xmin)/(l.xmax-l.xmin)*(l.right-l.left)
}

// py maps a data y to the SVG y coordinate (larger y is higher up).
func (l *layout) py(y float64) float64 {
	if l.logY {
		y = math.Log10(y)
	}
	return l.bottom - (y-l.ymin)/(l.ymax-l.ymin)*(l.bottom-l.top)
}

// usable reports whether y can be drawn on the axis.
func (l *layout) usable(y float64) bool {
	return !math.IsNaN(y) && !math.IsInf(y, 0) && (!l.logY || y > 0)
}

const (
	legendRow  = 18.0
	marginL    = 70.0
	marginR    = 16.0
	marginT    = 30.0
	axisBelow  = 42.0 // tick labels and the x label
	maxMarkers = 40   // points are marked when a series has at most this many
)

// legendRows returns how many legend rows c needs (two entries a row).
func (c *Chart) legendRows() int { return (len(c.Series) + 1) / 2 }

// newLayout computes the plot area and data ranges of c; ok is false when
// no series has a drawable point.
func (c *Chart) newLayout() (l layout, ok bool) {
	l = layout{left: marginL, right: float64(c.Width) - marginR, top: marginT,
		bottom: float64(c.Height) - axisBelow - legendRow*float64(c.legendRows()) - 6, logY: c.LogY}
	l.xmin, l.xmax, l.ymin, l.ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for i, x := range s.X {
			if i >= len(s.Y) || !l.usable(s.Y[i]) || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			y := s.Y[i]
			if c.LogY {
				y = math.Log10(y)
			}
			l.xmin, l.xmax = math.Min(l.xmin, x), math.Max(l.xmax, x)
			l.ymin, l.ymax = math.Min(l.ymin, y), math.Max(l.ymax, y)
		}
	}
	if math.IsInf(l.xmin, 1) {
		return l, false
	}
	if l.xmax == l.xmin {
		l.xmin, l.xmax = l.xmin-1, l.xmax+1
	}
	if c.LogY {
		// A little padding (in decades) around the data.
		pad := math.Max(0.04*(l.ymax-l.ymin), 0.02)
		l.ymin, l.ymax = l.ymin-pad, l.ymax+pad
	} else {
		if l.ymax == l.ymin {
			d := math.Max(math.Abs(l.ymin)*0.1, 1e-3)
			l.ymin, l.ymax = l.ymin-d, l.ymax+d
		}
		step := niceStep((l.ymax - l.ymin) / 5)
		l.ymin, l.ymax = math.Floor(l.ymin/step)*step, math.Ceil(l.ymax/step)*step
	}
	return l, true
}

// niceStep returns 1, 2 or 5 times a power of ten, at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// linearTicks returns the multiples of a nice step within [lo, hi], about n of them.
func linearTicks(lo, hi float64, n int, integer bool) []float64 {
	step := niceStep((hi - lo) / float64(n))
	if integer && step < 1 {
		step = 1
	}
	var out []float64
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// logTicks returns tick values (not logs) within [10^lo, 10^hi]: the
// decades, plus 2× and 5× when fewer than three decades are shown.
func logTicks(lo, hi float64) []float64 {
	var out []float64
	mults := []float64{1}
	if hi-lo < 3 {
		mults = []float64{1, 2, 5}
	}
	for d := math.Floor(lo); d <= math.Ceil(hi); d++ {
		for _, m := range mults {
			v := m * math.Pow(10, d)
			if l := math.Log10(v); l >= lo-1e-9 && l <= hi+1e-9 {
				out = append(out, v)
			}
		}
	}
	if len(out) < 2 { // a narrow range inside one decade: linear ticks
		return linearTicks(math.Pow(10, lo), math.Pow(10, hi), 4, false)
	}
	return out
}

// formatTick writes a tick value compactly, rounding away float noise
// (0.6, 0.25, 1e-05, 250).
func formatTick(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// f formats an SVG coordinate.
func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// esc escapes text for HTML and SVG content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

// SVG renders c as an <svg> element. A chart without drawable points says
// so in place of the plot.
func (c *Chart) SVG() string {
	var b strings.Builder
	w, h := c.Width, c.Height
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`+"\n",
		w, h, w, h, esc(c.Title))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%s" y="18" class="title" text-anchor="middle">%s</text>`+"\n", f(float64(w)/2), esc(c.Title))
	l, ok := c.newLayout()
	if !ok {
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="none" text-anchor="middle">no data</text>`+"\n</svg>", f(float64(w)/2), f(float64(h)/2))
		return b.String()
	}
	// Grid, ticks and tick labels.
	b.WriteString(`<g class="axis">` + "\n")
	for _, x := range linearTicks(l.xmin, l.xmax, 8, true) {
		X := l.px(x)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`, f(X), f(l.top), f(X), f(l.bottom))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", f(X), f(l.bottom+15), formatTick(x))
	}
	var yt []float64
	if l.logY {
		yt = logTicks(l.ymin, l.ymax)
	} else {
		yt = linearTicks(l.ymin, l.ymax, 5, false)
	}
	for _, y := range yt {
		Y := l.py(y)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`, f(l.left), f(Y), f(l.right), f(Y))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", f(l.left-5), f(Y+4), formatTick(y))
	}
	fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" class="frame"/>`+"\n",
		f(l.left), f(l.top), f(l.right-l.left), f(l.bottom-l.top))
	fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" class="label">%s</text>`+"\n",
		f((l.left+l.right)/2), f(l.bottom+32), esc(c.XLabel))
	ylabel := c.YLabel
	if c.LogY {
		ylabel += " (log scale)"
	}
	fmt.Fprintf(&b, `<text transform="translate(14 %s) rotate(-90)" text-anchor="middle" class="label">%s</text>`+"\n",
		f((l.top+l.bottom)/2), esc(ylabel))
	b.WriteString("</g>\n")
	// Lines and markers.
	for _, s := range c.Series {
		dash := ""
		if s.Dash {
			dash = ` stroke-dasharray="6 4"`
		}
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n",
					strings.Join(pts, " "), esc(s.Color), dash)
			}
			pts = pts[:0]
		}
		n := 0
		for i := range s.X {
			if i < len(s.Y) && l.usable(s.Y[i]) {
				n++
			}
		}
		for i, x := range s.X {
			if i >= len(s.Y) || !l.usable(s.Y[i]) {
				flush()
				continue
			}
			X, Y := l.px(x), l.py(s.Y[i])
			pts = append(pts, f(X)+","+f(Y))
			if n <= maxMarkers {
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s: %s %s, %s</title></circle>`+"\n",
					f(X), f(Y), esc(s.Color), esc(s.Label), esc(c.XLabel), formatTick(x), strconv.FormatFloat(s.Y[i], 'g', 5, 64))
			}
		}
		flush()
	}
	// Legend: two entries a row, below the axes.
	colW := (l.right - l.left) / 2
	for i, s := range c.Series {
		x := l.left + colW*float64(i%2)
		y := l.bottom + axisBelow + legendRow*float64(i/2)
		if s.Dash {
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3" stroke-dasharray="5 3"/>`,
				f(x), f(y), f(x+16), f(y), esc(s.Color))
		} else {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="16" height="10" fill="%s"/>`, f(x), f(y-5), esc(s.Color))
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="legend">%s</text>`+"\n", f(x+22), f(y+4), esc(truncate(s.Label, 48)))
	}
	b.WriteString("</svg>")
	return b.String()
}

// truncate shortens s to at most n runes, with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
