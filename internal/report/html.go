package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/counter-current/ccl/internal/atomicfile"
)

const (
	chartW = 600
	chartH = 360
)

const css = `body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:20px;color:#222;background:#f6f6f6}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
h3{font-size:15px;margin:14px 0 6px}p{margin:4px 0 8px;max-width:1200px}
table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}
.grid{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #ddd}
.note{color:#555;font-size:13px}
svg text{font-size:12px;fill:#222}svg text.title{font-size:14px;font-weight:bold}svg text.label{font-size:12px}
svg text.legend{font-size:12px}svg text.none{font-size:14px;fill:#888}
svg line.grid{stroke:#e4e4e4;stroke-width:1}svg rect.frame{fill:none;stroke:#888;stroke-width:1}
`

// Render returns the report on runs as a self-contained HTML page: inline
// CSS and SVG, no script, nothing fetched.
func Render(runs []*Run) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ccl report</title>\n<style>\n")
	b.WriteString(css)
	b.WriteString("</style>\n</head>\n<body>\n<h1>ccl report</h1>\n")
	fmt.Fprintf(&b, "<p class=\"note\">%d run(s): %s</p>\n", len(runs), esc(strings.Join(dirs(runs), ", ")))
	writeSummary(&b, runs)

	var cls, ae []int
	for i, r := range runs {
		if r.Autoencoder() {
			ae = append(ae, i)
		} else {
			cls = append(cls, i)
		}
	}
	if len(cls) > 0 {
		b.WriteString("<h2>Learning curves (classification)</h2>\n")
		b.WriteString("<p class=\"note\">Validation figures are on the 10 % of the training set held out; " +
			"a CCL run's training loss includes its pair losses, its training cross-entropy is comparable with BP's.</p>\n<div class=\"grid\">\n")
		chart(&b, runs, cls, "Validation accuracy", "accuracy (%)", false, func(e Epoch) float64 { return 100 * e.ValAcc }, nil)
		chart(&b, runs, cls, "Validation loss", "cross-entropy", true, func(e Epoch) float64 { return e.ValLoss }, nil)
		chart(&b, runs, cls, "Training loss", "loss", true, func(e Epoch) float64 { return e.TrainLoss }, nil)
		chart(&b, runs, cls, "Training cross-entropy", "cross-entropy", true, func(e Epoch) float64 { return e.TrainCE }, nil)
		b.WriteString("</div>\n")
	}
	if len(ae) > 0 {
		b.WriteString("<h2>Learning curves (autoencoder)</h2>\n")
		b.WriteString("<p class=\"note\">Reconstruction MSE: validation solid, test dashed.</p>\n<div class=\"grid\">\n")
		chart(&b, runs, ae, "Reconstruction MSE", "MSE", true, func(e Epoch) float64 { return mseOf(e) },
			func(e Epoch) float64 { return zeroNaN(e.TestMSE) })
		chart(&b, runs, ae, "Training loss", "loss", true, func(e Epoch) float64 { return e.TrainLoss }, nil)
		b.WriteString("</div>\n")
	}

	b.WriteString("<h2>Per-layer local losses</h2>\n")
	b.WriteString("<p class=\"note\">CCL's local loss of each forward/feedback pair, averaged over the epoch's training steps (pair 0 is nearest the input).</p>\n")
	var noPairs []string
	b.WriteString("<div class=\"grid\">\n")
	for i, r := range runs {
		if !hasVec(r, func(e Epoch) []float64 { return e.PairLosses }) {
			noPairs = append(noPairs, r.Label())
			continue
		}
		pairChart(&b, r, i, "Pair losses", "local loss", true, func(e Epoch) []float64 { return e.PairLosses }, "pair", 0)
	}
	b.WriteString("</div>\n")
	if len(noPairs) > 0 {
		fmt.Fprintf(&b, "<p class=\"note\">No pair losses (BP trains no feedback network): %s.</p>\n", esc(strings.Join(noPairs, ", ")))
	}

	b.WriteString("<h2>Forward/feedback weight alignment</h2>\n")
	b.WriteString("<p class=\"note\">Angle in degrees between each forward weight and its feedback weight at the end of every epoch " +
		"(the paper's alignment analysis; 90° is unaligned, 0° identical directions).</p>\n<div class=\"grid\">\n")
	var noAngles []string
	for i, r := range runs {
		if !hasVec(r, func(e Epoch) []float64 { return e.AnglesDeg }) {
			why := "metrics.jsonl has no angles_deg (a run written before the angles were recorded)"
			if r.Method == "BP" {
				why = "BP has no feedback weights"
			}
			noAngles = append(noAngles, r.Label()+": "+why)
			continue
		}
		pairChart(&b, r, i, "Forward/feedback angles", "angle (degrees)", false, func(e Epoch) []float64 { return e.AnglesDeg }, "layer", 1)
	}
	b.WriteString("</div>\n")
	if len(noAngles) > 0 {
		b.WriteString("<p class=\"note\">No angle data:</p>\n<ul class=\"note\">\n")
		for _, s := range noAngles {
			fmt.Fprintf(&b, "<li>%s</li>\n", esc(s))
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

// Write renders the report on runs to path atomically.
func Write(path string, runs []*Run) error {
	return atomicfile.WriteFile(path, Render(runs))
}

func dirs(runs []*Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.Dir
	}
	return out
}

// Color returns the colour of run i.
func Color(i int) string { return Palette[i%len(Palette)] }

func writeSummary(b *strings.Builder, runs []*Run) {
	b.WriteString("<h2>Summary</h2>\n<table>\n<tr>")
	for _, c := range Columns {
		fmt.Fprintf(b, "<th>%s</th>", esc(c))
	}
	b.WriteString("</tr>\n")
	for i, r := range runs {
		cells := Summarize(r).Cells()
		b.WriteString("<tr>")
		for j, c := range cells {
			class := ""
			if j >= 4 {
				class = ` class="num"`
			}
			if j == 0 {
				fmt.Fprintf(b, `<td><span class="swatch" style="background:%s"></span>%s</td>`, Color(i), esc(c))
				continue
			}
			fmt.Fprintf(b, "<td%s>%s</td>", class, esc(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	b.WriteString("<p class=\"note\">Test figures are those of the weights with the lowest validation loss (the best epoch); " +
		"time is the whole run's; samples/s is the mean training throughput.</p>\n")
}

func zeroNaN(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// mseOf is an autoencoder epoch's validation MSE (val_mse, else val_loss).
func mseOf(e Epoch) float64 {
	if e.ValMSE != 0 {
		return e.ValMSE
	}
	return zeroNaN(e.ValLoss)
}

// chart writes a chart with one series per run in idx (y of every epoch),
// and a dashed second series per run when y2 is not nil. logY asks for a
// log scale, used only when the values span more than a factor of 4.
func chart(b *strings.Builder, runs []*Run, idx []int, title, ylabel string, logY bool, y, y2 func(Epoch) float64) {
	c := Chart{Title: title, XLabel: "epoch", YLabel: ylabel, Width: chartW, Height: chartH}
	for _, i := range idx {
		r := runs[i]
		s := Series{Label: r.Label(), Color: Color(i)}
		var s2 Series
		if y2 != nil {
			s2 = Series{Label: r.Label() + " test", Color: Color(i), Dash: true}
		}
		for _, e := range r.History {
			s.X, s.Y = append(s.X, float64(e.Epoch)), append(s.Y, y(e))
			if y2 != nil {
				s2.X, s2.Y = append(s2.X, float64(e.Epoch)), append(s2.Y, y2(e))
			}
		}
		c.Series = append(c.Series, s)
		if y2 != nil {
			c.Series = append(c.Series, s2)
		}
	}
	c.LogY = logY && wideRange(c.Series)
	fmt.Fprintf(b, "<div class=\"chart\">%s</div>\n", c.SVG())
}

// pairChart writes a chart of a per-pair vector of run r over its epochs:
// one series per pair, series p labelled what and p + first (pairs count
// from 0, the angles' forward layers from 1).
func pairChart(b *strings.Builder, r *Run, runIdx int, title, ylabel string, logY bool, vec func(Epoch) []float64, what string, first int) {
	pairs := 0
	for _, e := range r.History {
		pairs = max(pairs, len(vec(e)))
	}
	c := Chart{Title: title + ": " + r.Label(), XLabel: "epoch", YLabel: ylabel, Width: chartW, Height: chartH}
	for p := 0; p < pairs; p++ {
		s := Series{Label: fmt.Sprintf("%s %d", what, p+first), Color: DepthColor(p, pairs), Dash: pairs > len(depthPalette) && p%2 == 1}
		for _, e := range r.History {
			v := vec(e)
			y := math.NaN()
			if p < len(v) {
				y = v[p]
			}
			s.X, s.Y = append(s.X, float64(e.Epoch)), append(s.Y, y)
		}
		c.Series = append(c.Series, s)
	}
	c.LogY = logY && wideRange(c.Series)
	fmt.Fprintf(b, "<div class=\"chart\">%s</div>\n", c.SVG())
}

// hasVec reports whether some epoch of r has a non-empty vector.
func hasVec(r *Run, vec func(Epoch) []float64) bool {
	for _, e := range r.History {
		if len(vec(e)) > 0 {
			return true
		}
	}
	return false
}

// wideRange reports whether the positive finite values of the series span
// more than a factor of 4 (a log scale then shows them better).
func wideRange(ss []Series) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, y := range s.Y {
			if y > 0 && !math.IsInf(y, 0) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	return hi > 4*lo
}
