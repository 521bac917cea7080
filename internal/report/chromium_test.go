package report

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// chromium finds the headless browser: $CHROMIUM, else chromium or
// chromium-browser on PATH, else Debian's /usr/bin/chromium.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	// Not a skip: the report's rendering must be checked wherever the
	// tests run (.ci/run installs Debian's chromium).
	t.Fatal("chromium not found (install Debian's chromium: apt-get install chromium; or set CHROMIUM to the binary)")
	return ""
}

// TestChromiumScreenshot renders a report on generated runs (CCL with
// angles, BP, an autoencoder), has headless Chromium take a screenshot of
// it, and checks the picture: a PNG of the requested size showing the run
// colours, on a mostly light page.
func TestChromiumScreenshot(t *testing.T) {
	bin := chromium(t)
	parent := t.TempDir()
	var runs []*Run
	for _, s := range []runSpec{
		{name: "fmnist-ccl", method: "CCL", task: "classification", epochs: 8, done: 8, finished: true, angles: true},
		{name: "fmnist-bp", method: "BP", task: "classification", epochs: 8, done: 8, finished: true},
		{name: "fmnist-ae", method: "CCL", task: "autoencoder", epochs: 5, done: 5, finished: true},
	} {
		r, err := Load(writeRun(t, parent, s))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	page := filepath.Join(parent, "report.html")
	if err := Write(page, runs); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(parent, "shot.png")
	const w, h = 1280, 2000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(parent, "profile"), "--screenshot="+shot,
		"--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h), "file://"+page)
	cmd.Env = append(os.Environ(), "HOME="+parent)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", shot, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	if dir := os.Getenv("CCL_REPORT_SHOT"); dir != "" { // keep it to look at
		b, _ := os.ReadFile(shot)
		os.WriteFile(dir, b, 0o644)
	}
	counts, light := colourCounts(img, []string{Color(0), Color(1), Color(2)})
	for i, n := range counts {
		// The legend swatches alone are 16×10 pixels each in several charts.
		if n < 500 {
			t.Errorf("run colour %s: %d pixels, want the curves and legends drawn in it", Color(i), n)
		}
	}
	if total := w * h; light < total/2 || light == total {
		t.Errorf("%d of %d pixels light: the page looks blank or unrendered", light, total)
	}
}

// colourCounts counts the pixels of img exactly of each colour (#rrggbb),
// and the light pixels.
func colourCounts(img image.Image, colours []string) (counts []int, light int) {
	type rgb struct{ r, g, b uint8 }
	want := map[rgb]int{}
	for i, c := range colours {
		v, _ := strconv.ParseUint(c[1:], 16, 32)
		want[rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}] = i
	}
	counts = make([]int, len(colours))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			p := rgb{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
			if i, ok := want[p]; ok {
				counts[i]++
			}
			if p.r > 200 && p.g > 200 && p.b > 200 {
				light++
			}
		}
	}
	return counts, light
}
