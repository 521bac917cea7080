package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runSpec describes a generated run directory.
type runSpec struct {
	name, method, task string
	epochs, done       int  // configured, written to metrics.jsonl
	finished           bool // write result.json
	angles             bool // write angles_deg
}

// writeRun writes a plausible run directory under parent and returns it.
func writeRun(t testing.TB, parent string, s runSpec) string {
	t.Helper()
	dir := filepath.Join(parent, s.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	arch, dataset := "simple_linear", "FashionMNIST"
	if s.task == "autoencoder" {
		arch = "cnn_stride_autoencoder"
	}
	cfg := "method:\n  method: " + s.method + "\n  architecture: " + arch + "\n  task: " + s.task +
		"\ndataset:\n  dataset: " + dataset + "\n  batchsize: 256\n  num_chn: 1\ntraining:\n  epochs: " + strconv.Itoa(s.epochs) + "\n"
	write(t, filepath.Join(dir, "config.yaml"), cfg)
	var lines []string
	best := 0
	for e := 1; e <= s.done; e++ {
		k := float64(e)
		if s.method == "BP" {
			k *= 1.6 // BP learns faster here: its curves must not hide CCL's
		}
		m := map[string]any{"epoch": e, "train_loss": 1.5 / k, "train_ce": 1.2 / k, "train_acc": 0.7 + 0.01*k,
			"val_loss": 0.9 / math.Sqrt(k), "epoch_seconds": 1.1, "samples_per_second": 30000 + 100*k, "best": true}
		if s.task == "autoencoder" {
			m["val_loss"], m["val_mse"], m["test_mse"] = 0.05/k, 0.05/k, 0.055/k
		} else {
			m["val_acc"] = math.Min(0.75+0.02*k, 0.95)
		}
		if s.method == "CCL" {
			m["pair_losses"] = []float64{0.01 / k, 0.02 / k, 0.03 / k}
			if s.angles {
				m["angles_deg"] = []float64{80 - 5*k, 85 - 3*k, 89 - k}
			}
		}
		b, _ := json.Marshal(m)
		lines = append(lines, string(b))
		best = e
	}
	if s.done > 0 {
		write(t, filepath.Join(dir, "metrics.jsonl"), strings.Join(lines, "\n")+"\n")
	}
	if s.finished {
		res := map[string]any{"method": s.method, "dataset": dataset, "epochs": s.epochs, "best_epoch": best,
			"best_val_loss": 0.5, "best_val_acc": 0.85, "test_loss": 0.45, "test_acc": 0.8723, "total_seconds": 12.5}
		if s.task == "autoencoder" {
			delete(res, "test_acc")
			delete(res, "best_val_acc")
			res["test_loss"], res["test_mse"], res["baseline_mse"] = 0.0129, 0.0129, 0.0663
		}
		b, _ := json.Marshal(res)
		write(t, filepath.Join(dir, "result.json"), string(b))
	}
	return dir
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadAndSummarize(t *testing.T) {
	parent := t.TempDir()
	ccl := writeRun(t, parent, runSpec{name: "ccl", method: "CCL", task: "classification", epochs: 3, done: 3, finished: true, angles: true})
	unf := writeRun(t, parent, runSpec{name: "unf", method: "BP", task: "classification", epochs: 10, done: 4})
	ae := writeRun(t, parent, runSpec{name: "ae", method: "CCL", task: "autoencoder", epochs: 5, done: 5, finished: true})
	runs, err := LoadAll([]string{ccl, unf, ae})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{}
	for _, r := range runs {
		got = append(got, Summarize(r).Cells())
	}
	want := [][]string{
		{"ccl", "CCL", "FashionMNIST", "simple_linear", "3", "3", "87.23 %", "12.5 s", "30200"},
		{"unf", "BP", "FashionMNIST", "simple_linear", "4/10", "4", "unfinished", "4.4 s", "30400"},
		{"ae", "CCL", "FashionMNIST", "cnn_stride_autoencoder", "5", "5", "MSE 0.0129", "12.5 s", "30300"},
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	// A finished run whose metrics.jsonl is gone still has its result.
	os.Remove(filepath.Join(ccl, "metrics.jsonl"))
	r, err := Load(ccl)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Summarize(r).Cells(), "|"); got != "ccl|CCL|FashionMNIST|simple_linear|3|3|87.23 %|12.5 s|-" {
		t.Errorf("without metrics.jsonl: %s", got)
	}
	// The same base name twice: the paths tell them apart.
	other := writeRun(t, filepath.Join(parent, "other"), runSpec{name: "ccl", method: "BP", task: "classification", epochs: 1, done: 1, finished: true})
	twins, err := LoadAll([]string{ccl, other})
	if err != nil || twins[0].Name != ccl || twins[1].Name != other {
		t.Errorf("same base names: %v, %v", twins, err)
	}
	if runs[0].History[2].AnglesDeg[0] != 65 || runs[1].History[0].AnglesDeg != nil {
		t.Errorf("angles: %v, %v", runs[0].History[2].AnglesDeg, runs[1].History[0].AnglesDeg)
	}
}

func TestLoadErrors(t *testing.T) {
	parent := t.TempDir()
	good := func(name string) string {
		return writeRun(t, parent, runSpec{name: name, method: "CCL", task: "classification", epochs: 2, done: 2, finished: true})
	}
	corrupt := good("corrupt")
	write(t, filepath.Join(corrupt, "result.json"), `{"method": "CCL", "dataset": `)
	empty := good("empty")
	write(t, filepath.Join(empty, "result.json"), `{}`)
	badLine := good("badline")
	write(t, filepath.Join(badLine, "metrics.jsonl"), "{\"epoch\":1}\n{\"epoch\":2,\n")
	nothing := good("nothing")
	os.Remove(filepath.Join(nothing, "result.json"))
	os.Remove(filepath.Join(nothing, "metrics.jsonl"))
	noCfg := good("nocfg")
	os.Remove(filepath.Join(noCfg, "config.yaml"))
	file := filepath.Join(parent, "file")
	write(t, file, "x")
	for _, c := range []struct{ dir, want string }{
		{filepath.Join(parent, "absent"), filepath.Join(parent, "absent") + ": no such run directory"},
		{file, file + ": not a directory"},
		{corrupt, filepath.Join(corrupt, "result.json") + ": corrupt: unexpected EOF"},
		{empty, filepath.Join(empty, "result.json") + `: corrupt: no "method"`},
		{badLine, filepath.Join(badLine, "metrics.jsonl") + ":2: corrupt:"},
		{nothing, filepath.Join(nothing, "result.json") + ": missing, and so is metrics.jsonl"},
		{noCfg, filepath.Join(noCfg, "config.yaml") + ": missing"},
	} {
		_, err := Load(c.dir)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%s): %v, want prefix %q", c.dir, err, c.want)
		}
	}
}

// Points map linearly into the plot area: the smallest x to its left edge,
// the largest y to its top.
func TestChartCoordinates(t *testing.T) {
	c := Chart{Title: "t", XLabel: "epoch", YLabel: "y", Width: 600, Height: 360,
		Series: []Series{{Label: "a", Color: "#1f77b4", X: []float64{1, 2, 3, 4, 5}, Y: []float64{0, 10, 20, 30, 40}}}}
	l, ok := c.newLayout()
	if !ok {
		t.Fatal("no layout")
	}
	if l.xmin != 1 || l.xmax != 5 || l.ymin != 0 || l.ymax != 40 {
		t.Fatalf("ranges x [%v, %v], y [%v, %v]", l.xmin, l.xmax, l.ymin, l.ymax)
	}
	for _, p := range []struct{ x, y, X, Y float64 }{
		{1, 0, l.left, l.bottom}, {5, 40, l.right, l.top}, {3, 20, (l.left + l.right) / 2, (l.top + l.bottom) / 2},
	} {
		if X, Y := l.px(p.x), l.py(p.y); math.Abs(X-p.X) > 1e-9 || math.Abs(Y-p.Y) > 1e-9 {
			t.Errorf("(%v, %v) → (%v, %v), want (%v, %v)", p.x, p.y, X, Y, p.X, p.Y)
		}
	}
	svg := c.SVG()
	want := f(l.left) + "," + f(l.bottom) + " " + f(l.px(2)) + "," + f(l.py(10))
	if !strings.Contains(svg, `<polyline points="`+want) {
		t.Errorf("polyline does not start with %q:\n%s", want, svg)
	}
	// Log scale: decades are evenly spaced.
	c.LogY = true
	c.Series[0].Y = []float64{1e-3, 1e-2, 1e-1, 1, 10}
	l, _ = c.newLayout()
	if math.Abs(l.ymin+3.16) > 1e-9 || math.Abs(l.ymax-1.16) > 1e-9 {
		t.Fatalf("log range [%v, %v], want [-3.16, 1.16] (4 %% padding)", l.ymin, l.ymax)
	}
	if d1, d2 := l.py(1e-3)-l.py(1e-2), l.py(1)-l.py(10); math.Abs(d1-d2) > 1e-9 || d1 <= 0 {
		t.Errorf("decade heights %v and %v", d1, d2)
	}
	svg = c.SVG()
	for _, tick := range []string{">0.001<", ">0.01<", ">0.1<", ">1<", ">10<", "(log scale)"} {
		if !strings.Contains(svg, tick) {
			t.Errorf("log chart lacks %q", tick)
		}
	}
}

// Non-finite values, and non-positive ones on a log axis, break the line;
// a chart with nothing drawable says so.
func TestChartMissingData(t *testing.T) {
	nan := math.NaN()
	c := Chart{Title: "t", Width: 400, Height: 300, LogY: true,
		Series: []Series{{Label: "a", Color: "#000", X: []float64{1, 2, 3, 4, 5, 6}, Y: []float64{1, 2, nan, 4, 0, 6}}}}
	svg := c.SVG()
	if n := strings.Count(svg, "<polyline"); n != 1 { // 1–2 is a line; 4 and 6 stand alone
		t.Errorf("%d polylines, want 1:\n%s", n, svg)
	}
	if n := strings.Count(svg, "<circle"); n != 4 {
		t.Errorf("%d markers, want 4", n)
	}
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Errorf("SVG holds a non-finite number:\n%s", svg)
	}
	c.Series[0].Y = []float64{nan, nan, 0, -1, nan, math.Inf(1)}
	if svg := c.SVG(); !strings.Contains(svg, ">no data<") || strings.Contains(svg, "<polyline") {
		t.Errorf("empty chart:\n%s", svg)
	}
	// One point: a marker in the middle of a padded range.
	c = Chart{Title: "t", Width: 400, Height: 300, Series: []Series{{Label: "a", Color: "#000", X: []float64{1}, Y: []float64{0.5}}}}
	if svg := c.SVG(); strings.Count(svg, "<circle") != 1 || strings.Contains(svg, "NaN") {
		t.Errorf("single point:\n%s", svg)
	}
}

// Every text that comes from the user (titles, labels, run names) is escaped.
func TestEscaping(t *testing.T) {
	c := Chart{Title: `<script>alert("t")</script>`, XLabel: "a&b", YLabel: "y<", Width: 400, Height: 300,
		Series: []Series{{Label: `"><img src=x>`, Color: `red" onload="x`, X: []float64{1, 2}, Y: []float64{1, 2}}}}
	svg := c.SVG()
	for _, bad := range []string{"<script", "<img", `onload="x`, "a&b", "y<"} {
		if strings.Contains(svg, bad) {
			t.Errorf("SVG holds unescaped %q", bad)
		}
	}
	parent := t.TempDir()
	dir := writeRun(t, parent, runSpec{name: `<b>run&"x"`, method: "CCL", task: "classification", epochs: 2, done: 2, finished: true})
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	page := string(Render([]*Run{r}))
	if strings.Contains(page, "<b>run") || !strings.Contains(page, "&lt;b&gt;run&amp;&#34;x&#34;") {
		t.Errorf("run name not escaped")
	}
}

// The page is self-contained and says which runs have no angle data.
func TestRenderPage(t *testing.T) {
	parent := t.TempDir()
	var runs []*Run
	for _, s := range []runSpec{
		{name: "ccl", method: "CCL", task: "classification", epochs: 5, done: 5, finished: true, angles: true},
		{name: "old-ccl", method: "CCL", task: "classification", epochs: 5, done: 5, finished: true},
		{name: "bp", method: "BP", task: "classification", epochs: 5, done: 3},
		{name: "ae", method: "CCL", task: "autoencoder", epochs: 4, done: 4, finished: true},
	} {
		r, err := Load(writeRun(t, parent, s))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	page := string(Render(runs))
	for _, w := range []string{"Validation accuracy", "Validation loss", "Training loss", "Reconstruction MSE",
		"Pair losses: ccl (CCL)", "Forward/feedback angles: ccl (CCL)", "bp (BP): BP has no feedback weights",
		"old-ccl (CCL): metrics.jsonl has no angles_deg", "unfinished", "MSE 0.0129", "87.23 %"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, "Forward/feedback angles: bp") {
		t.Error("an angle chart for BP")
	}
	if regexp.MustCompile(`(?i)<script|<link|src=|href=|url\(|@import`).MatchString(page) {
		t.Error("page refers to an external resource or has a script")
	}
	out := filepath.Join(parent, "r.html")
	if err := Write(out, runs); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != page {
		t.Errorf("Write: %v", err)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{0, 1, 5, "0 0.2 0.4 0.6 0.8 1"},
		{1, 30, 8, "5 10 15 20 25 30"},
		{75, 90, 5, "75 80 85 90"},
	} {
		var s []string
		for _, v := range linearTicks(c.lo, c.hi, c.n, false) {
			s = append(s, formatTick(v))
		}
		if strings.Join(s, " ") != c.want {
			t.Errorf("linearTicks(%v, %v) = %v, want %s", c.lo, c.hi, s, c.want)
		}
	}
	var s []string
	for _, v := range logTicks(-2, 0) {
		s = append(s, formatTick(v))
	}
	if strings.Join(s, " ") != "0.01 0.02 0.05 0.1 0.2 0.5 1" {
		t.Errorf("logTicks(-2, 0) = %v", s)
	}
}
