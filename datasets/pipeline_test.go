package datasets

import (
	"bufio"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testPattern returns a C×H×W (CHW) image that is not symmetric in any way
// that a transposition, a flip or a channel mix-up would preserve.
func testPattern(c, h, w int) []uint8 {
	img := make([]uint8, c*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img[(ch*h+y)*w+x] = uint8((ch*71 + y*y*3 + x*17 + x*y*5 + 11) % 256)
			}
		}
	}
	return img
}

func unhex(t testing.TB, s string) []uint8 {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPILResizeMatchesPillow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c, ih, oh int
		want      string
	}{
		{"MNIST 28→32 (L)", 1, 28, 32, pilMNIST32},
		{"STL-10 96→32 (RGB, antialiased)", 3, 96, 32, pilSTL32},
	} {
		r := newPILResizer(tc.c, tc.ih, tc.ih, tc.oh, tc.oh)
		got := make([]uint8, tc.c*tc.oh*tc.oh)
		r.resize(testPattern(tc.c, tc.ih, tc.ih), got)
		want := unhex(t, tc.want)
		if len(want) != len(got) {
			t.Fatalf("%s: golden has %d bytes, want %d", tc.name, len(want), len(got))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: byte %d (c %d, y %d, x %d): %d, Pillow %d", tc.name, i,
					i/(tc.oh*tc.oh), i/tc.oh%tc.oh, i%tc.oh, got[i], want[i])
			}
		}
		src := testPattern(tc.c, tc.ih, tc.ih)
		if a := testing.AllocsPerRun(10, func() { r.resize(src, got) }); a != 0 {
			t.Errorf("%s: resize allocates %v times", tc.name, a)
		}
	}
}

// naiveResize is a float64 resampler written from the definition: output
// pixel i of a pass is Σ_j tri((j + 0.5 − (i + 0.5)·s)/f)·in[j] / Σ_j tri(…)
// over all j, with s = in/out, f = max(s, 1), tri(t) = max(0, 1 − |t|);
// separable, horizontal then vertical, without rounding between passes.
func naiveResize(src []uint8, c, ih, iw, oh, ow int) []float64 {
	weights := func(in, out int) [][]float64 {
		s := float64(in) / float64(out)
		f := max(s, 1)
		ws := make([][]float64, out)
		for i := range ws {
			ws[i] = make([]float64, in)
			sum := 0.0
			for j := 0; j < in; j++ {
				w := max(0, 1-math.Abs((float64(j)+0.5-(float64(i)+0.5)*s)/f))
				ws[i][j] = w
				sum += w
			}
			for j := range ws[i] {
				ws[i][j] /= sum
			}
		}
		return ws
	}
	wx, wy := weights(iw, ow), weights(ih, oh)
	out := make([]float64, c*oh*ow)
	for ch := 0; ch < c; ch++ {
		tmp := make([]float64, ih*ow)
		for y := 0; y < ih; y++ {
			for i := 0; i < ow; i++ {
				for j := 0; j < iw; j++ {
					tmp[y*ow+i] += wx[i][j] * float64(src[(ch*ih+y)*iw+j])
				}
			}
		}
		for i := 0; i < oh; i++ {
			for x := 0; x < ow; x++ {
				for j := 0; j < ih; j++ {
					out[(ch*oh+i)*ow+x] += wy[i][j] * tmp[j*ow+x]
				}
			}
		}
	}
	return out
}

func TestPILResizeNearNaive(t *testing.T) {
	// The fixed-point, twice-rounded PIL result stays within one unit of the
	// exact triangle-filter resampling, for enlarging and shrinking, square
	// or not.
	for _, s := range [][5]int{{1, 28, 28, 32, 32}, {3, 96, 96, 32, 32}, {2, 17, 40, 9, 45}, {1, 5, 7, 5, 3}} {
		c, ih, iw, oh, ow := s[0], s[1], s[2], s[3], s[4]
		rng := rand.New(rand.NewPCG(uint64(ih), uint64(ow)))
		src := make([]uint8, c*ih*iw)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		got := make([]uint8, c*oh*ow)
		newPILResizer(c, ih, iw, oh, ow).resize(src, got)
		want := naiveResize(src, c, ih, iw, oh, ow)
		for i := range got {
			if d := math.Abs(float64(got[i]) - want[i]); d > 1.05 { // two roundings and fixed point
				t.Fatalf("%v: value %d: %d, exact %.3f", s, i, got[i], want[i])
			}
		}
	}
	// 28→32 agrees with torch's interpolate(bilinear, align_corners=False)
	// where PIL's triangle and torch's 2-tap interpolation coincide:
	// at output (0, 0) both read input (0, 0) only.
	got := make([]uint8, 32*32)
	newPILResizer(1, 28, 28, 32, 32).resize(testPattern(1, 28, 28), got)
	if got[0] != testPattern(1, 28, 28)[0] {
		t.Errorf("corner: %d, want %d", got[0], testPattern(1, 28, 28)[0])
	}
}

// naiveAugment pads img (C×h×w) explicitly by pad (zeros or edge copies),
// crops oh×ow at (top, left) of the padded image, then mirrors it if flip:
// the torchvision sequence Pad, crop, hflip, written out.
func naiveAugment(img []uint8, c, h, w, pad int, edge bool, top, left, oh, ow int, flip bool) []uint8 {
	ph, pw := h+2*pad, w+2*pad
	padded := make([]uint8, c*ph*pw)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < ph; y++ {
			for x := 0; x < pw; x++ {
				sy, sx := y-pad, x-pad
				if edge {
					sy, sx = min(max(sy, 0), h-1), min(max(sx, 0), w-1)
				} else if sy < 0 || sy >= h || sx < 0 || sx >= w {
					continue
				}
				padded[(ch*ph+y)*pw+x] = img[(ch*h+sy)*w+sx]
			}
		}
	}
	out := make([]uint8, c*oh*ow)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				v := padded[(ch*ph+top+y)*pw+left+x]
				if flip {
					out[(ch*oh+y)*ow+ow-1-x] = v
				} else {
					out[(ch*oh+y)*ow+x] = v
				}
			}
		}
	}
	return out
}

// bytesOf turns a batch row of v/255 values (Mean 0, Std 1) back into CHW bytes.
func bytesOf(t testing.TB, row []float32, c, h, w int, nhwc bool) []uint8 {
	t.Helper()
	out := make([]uint8, c*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := (ch*h+y)*w + x
				if nhwc {
					i = (y*w+x)*c + ch
				}
				v := row[i]
				b := math.Round(float64(v) * 255)
				if b < 0 || b > 255 || float32(b)/255 != v {
					t.Fatalf("value %v at c %d y %d x %d is not a byte/255", v, ch, y, x)
				}
				out[(ch*h+y)*w+x] = uint8(b)
			}
		}
	}
	return out
}

// placeLoader returns a Loader set up only for calling place: output c×oh×ow
// in the given layout, values v/255.
func placeLoader(c, oh, ow int, nhwc bool) *Loader {
	d := &Dataset{N: 1, C: c, H: oh, W: ow, Classes: 1, Images: make([]uint8, c*oh*ow), Labels: []uint8{0}}
	l := NewLoader(d, []int{0}, 1, false, 0, plainNorm(c))
	l.nhwc = nhwc
	return l
}

func TestPlaceMatchesTorchvision(t *testing.T) {
	img := testPattern(3, 32, 32)
	for _, tc := range []struct {
		name      string
		edge      bool
		top, left int
		flip      bool
		want      string
	}{
		{"edge pad, crop (1, 7), flip", true, 1, 7, true, tvEdgeCrop},
		{"zero pad, crop (8, 0)", false, 8, 0, false, tvZeroCrop},
	} {
		for _, nhwc := range []bool{false, true} {
			l := placeLoader(3, 32, 32, nhwc)
			row := make([]float32, 3*32*32)
			l.place(img, 32, 32, tc.top-4, tc.left-4, tc.flip, tc.edge, row)
			got := bytesOf(t, row, 3, 32, 32, nhwc)
			if want := unhex(t, tc.want); !slices.Equal(got, want) {
				t.Errorf("%s (nhwc %v): differs from torchvision", tc.name, nhwc)
			}
		}
	}
}

func TestImageNetNormalizationMatchesTorchvision(t *testing.T) {
	// T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))(T.ToTensor()(img))
	// at one pixel of testPattern(3, 32, 32) (bytes 208, 23, 94), torchvision 0.14.1.
	want := []float32{1.444044828414917, -1.633053183555603, -0.1661001294851303}
	r, _ := RecipeFor("CIFAR10", "cnn")
	d := &Dataset{N: 1, C: 3, H: 32, W: 32, Classes: 10, Images: testPattern(3, 32, 32), Labels: []uint8{0}}
	l := r.NewLoader(d, []int{0}, 1, false, 0, false)
	x := make([]float32, r.Dim())
	l.Batch(0, x, make([]int32, 1))
	for c := range 3 {
		if got := x[(5*32+9)*3+c]; got != want[c] { // NHWC, row 5, column 9
			t.Errorf("channel %d: %v, torchvision %v", c, got, want[c])
		}
	}
}

func TestPlaceMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range [][5]int{{1, 28, 28, 32, 32}, {3, 32, 32, 32, 32}, {3, 10, 12, 10, 12}, {2, 5, 9, 7, 4}} {
		c, h, w, oh, ow := g[0], g[1], g[2], g[3], g[4]
		img := make([]uint8, c*h*w)
		for i := range img {
			img[i] = uint8(rng.IntN(256))
		}
		const pad = 4
		for trial := 0; trial < 40; trial++ {
			top, left := rng.IntN(h+2*pad-oh+1), rng.IntN(w+2*pad-ow+1)
			edge, flip, nhwc := rng.IntN(2) == 1, rng.IntN(2) == 1, rng.IntN(2) == 1
			want := naiveAugment(img, c, h, w, pad, edge, top, left, oh, ow, flip)
			l := placeLoader(c, oh, ow, nhwc)
			row := make([]float32, c*oh*ow)
			l.place(img, h, w, top-pad, left-pad, flip, edge, row)
			if got := bytesOf(t, row, c, oh, ow, nhwc); !slices.Equal(got, want) {
				t.Fatalf("%v top %d left %d edge %v flip %v nhwc %v: differs from the naive pad/crop/flip", g, top, left, edge, flip, nhwc)
			}
		}
	}
}

// configPairs reads (dataset, architecture) from every configuration the
// project ships.
func configPairs(t *testing.T) [][2]string {
	t.Helper()
	files, _ := filepath.Glob("../configs/*/*.yaml")
	if len(files) == 0 {
		t.Skip("no configs in ../configs")
	}
	var out [][2]string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var ds, arch string
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			switch {
			case ok && k == "architecture":
				arch = v
			case ok && k == "dataset" && v != "":
				ds = v
			}
		}
		fh.Close()
		if ds == "" || arch == "" {
			t.Fatalf("%s: no dataset/architecture", f)
		}
		out = append(out, [2]string{ds, arch})
	}
	return out
}

func TestRecipeForEveryConfig(t *testing.T) {
	pairs := configPairs(t)
	for _, p := range pairs {
		r, err := RecipeFor(p[0], p[1])
		if err != nil {
			t.Errorf("%s with %s: %v", p[0], p[1], err)
			continue
		}
		if len(r.Norm.Mean) != r.C || len(r.Norm.Std) != r.C || r.Dim() != r.C*r.H*r.W {
			t.Errorf("%s with %s: inconsistent recipe %+v", p[0], p[1], r)
		}
		// The files exist in the registry and their images fit the recipe.
		c, h, w, err := Shape(r.Files)
		if err != nil || c != r.C {
			t.Errorf("%s with %s: files %s: %d channels, %v", p[0], p[1], r.Files, c, err)
			continue
		}
		d := &Dataset{N: 1, C: c, H: h, W: w, Classes: 10, Images: make([]uint8, c*h*w), Labels: []uint8{0}}
		for _, aug := range []bool{false, true} {
			r.NewLoader(d, []int{0}, 1, false, 0, aug) // panics if the geometry does not fit
		}
	}
	if len(pairs) < 21 {
		t.Errorf("only %d configs", len(pairs))
	}
}

func TestRecipeTable(t *testing.T) {
	zero, one := plainNorm(3), plainNorm(1)
	mnist, _ := NormalizationFor("MNIST")
	c100, _ := NormalizationFor("CIFAR100")
	for _, tc := range []struct {
		ds, arch string
		want     Recipe
	}{
		{"MNIST", "simple_linear", Recipe{Files: "MNIST", C: 1, H: 28, W: 28, Norm: mnist}},
		{"CIFAR100", "simple_linear", Recipe{Files: "CIFAR100", C: 3, H: 32, W: 32, Norm: c100}},
		{"MNIST_CNN", "cnn", Recipe{Files: "MNIST", C: 1, H: 32, W: 32, NHWC: true, Norm: one,
			Train: Pipeline{Pad: 4, Flip: true}, Eval: Pipeline{Resize: true}}},
		{"FashionMNIST_CNN", "cnn", Recipe{Files: "FashionMNIST", C: 1, H: 32, W: 32, NHWC: true, Norm: one,
			Train: Pipeline{Pad: 4, Flip: true}, Eval: Pipeline{Resize: true}}},
		{"CIFAR10", "cnn_pool", Recipe{Files: "CIFAR10", C: 3, H: 32, W: 32, NHWC: true, Norm: ImageNetNormalization,
			Train: Pipeline{Pad: 4, Edge: true, Flip: true}, ValAugmented: true}},
		{"CIFAR100", "cnn", Recipe{Files: "CIFAR100", C: 3, H: 32, W: 32, NHWC: true, Norm: ImageNetNormalization,
			Train: Pipeline{Pad: 4, Edge: true, Flip: true}, ValAugmented: true}},
		{"STL10_cls", "cnn_pool", Recipe{Files: "STL10", C: 3, H: 32, W: 32, NHWC: true, Norm: zero,
			Train: Pipeline{Resize: true, Flip: true}, Eval: Pipeline{Resize: true}, ValAugmented: true}},
		{"STL10", "cnn_stride_autoencoder", Recipe{Files: "STL10", C: 3, H: 96, W: 96, NHWC: true, Norm: zero,
			Train: Pipeline{Pad: 4, Flip: true}, ValAugmented: true}},
		{"STL10", "cnn_pool_autoencoder", Recipe{Files: "STL10", C: 3, H: 96, W: 96, NHWC: true, Norm: zero,
			Train: Pipeline{Pad: 4, Flip: true}, ValAugmented: true}},
		{"FashionMNIST", "cnn_stride_autoencoder", Recipe{Files: "FashionMNIST", C: 1, H: 32, W: 32, NHWC: true, Norm: one,
			Train: Pipeline{Center: true, Pad: 4, Flip: true}, Eval: Pipeline{Center: true}, ValAugmented: true}},
		{"CIFAR10", "cnn_stride_autoencoder", Recipe{Files: "CIFAR10", C: 3, H: 32, W: 32, NHWC: true, Norm: zero,
			Train: Pipeline{Pad: 4, Flip: true}, ValAugmented: true}},
	} {
		got, err := RecipeFor(tc.ds, tc.arch)
		if err != nil {
			t.Errorf("%s/%s: %v", tc.ds, tc.arch, err)
			continue
		}
		normEq := slices.Equal(got.Norm.Mean, tc.want.Norm.Mean) && slices.Equal(got.Norm.Std, tc.want.Norm.Std)
		type cmp struct {
			files        string
			c, h, w      int
			nhwc, valAug bool
			train, eval  Pipeline
		}
		key := func(r Recipe) cmp { return cmp{r.Files, r.C, r.H, r.W, r.NHWC, r.ValAugmented, r.Train, r.Eval} }
		if !normEq || key(got) != key(tc.want) {
			t.Errorf("%s/%s: %+v, want %+v", tc.ds, tc.arch, got, tc.want)
		}
		if p := got.ValPipeline(); (got.ValAugmented && p != got.Train) || (!got.ValAugmented && p != got.Eval) {
			t.Errorf("%s/%s: ValPipeline %+v", tc.ds, tc.arch, p)
		}
	}
	r, _ := RecipeFor("CIFAR10", "cnn")
	r.Norm.Mean[0] = 9
	if ImageNetNormalization.Mean[0] != 0.485 {
		t.Error("RecipeFor shares ImageNetNormalization's slices")
	}
	for _, tc := range []struct{ ds, arch, frag string }{
		{"MNIST", "cnn", "MNIST_CNN"},
		{"FashionMNIST", "cnn_pool", "FashionMNIST_CNN"},
		{"MNIST_CNN", "simple_linear", "takes a CNN (cnn, cnn_pool)"},
		{"STL10", "cnn_pool", "STL10_cls"},
		{"STL10_cls", "cnn_pool_autoencoder", "use STL10"},
		{"MNIST_CNN", "cnn_stride_autoencoder", "takes a CNN"},
		{"STL10_cls", "simple_linear", "takes a CNN"},
		{"SVHN", "cnn", `known: CIFAR10, CIFAR100, FashionMNIST, FashionMNIST_CNN, MNIST, MNIST_CNN, STL10, STL10_cls`},
		{"MNIST", "resnet", `architecture "resnet" (known: simple_linear, cnn, cnn_pool, cnn_stride_autoencoder, cnn_pool_autoencoder)`},
	} {
		_, err := RecipeFor(tc.ds, tc.arch)
		if err == nil || !strings.Contains(err.Error(), tc.frag) || strings.Contains(err.Error(), "\n") {
			t.Errorf("RecipeFor(%s, %s): error %v, want one line containing %q", tc.ds, tc.arch, err, tc.frag)
		}
	}
}

// patternSet returns n images of c×h×w, image i being testPattern shifted by i.
func patternSet(n, c, h, w int) *Dataset {
	d := &Dataset{Name: "pattern", N: n, C: c, H: h, W: w, Classes: 10}
	base := testPattern(c, h, w)
	for i := 0; i < n; i++ {
		for _, v := range base {
			d.Images = append(d.Images, v+uint8(37*i))
		}
		d.Labels = append(d.Labels, uint8(i%10))
	}
	return d
}

// checkAugmented verifies that every row of a batch is one of the images
// naiveAugment can make of its sample (any crop offset, flipped or not), and
// returns which (top, left, flip) were seen.
func checkAugmented(t *testing.T, l *Loader, d *Dataset, r Recipe, p Pipeline, b int, x []float32, y []int32) map[[3]int]bool {
	t.Helper()
	seen := map[[3]int]bool{}
	rows := l.Batch(b, x, y)
	for row, id := range l.Indices(b)[:rows] {
		got := bytesOf(t, x[row*r.Dim():(row+1)*r.Dim()], r.C, r.H, r.W, r.NHWC)
		img, h, w := d.Image(id), d.H, d.W
		if p.Resize && (h != r.H || w != r.W) {
			rs := make([]uint8, r.Dim())
			newPILResizer(r.C, h, w, r.H, r.W).resize(img, rs)
			img, h, w = rs, r.H, r.W
		}
		found := false
		for top := 0; top <= h+2*p.Pad-r.H && !found; top++ {
			for left := 0; left <= w+2*p.Pad-r.W && !found; left++ {
				for _, flip := range []bool{false, true} {
					if !p.Flip && flip {
						continue
					}
					if slices.Equal(got, naiveAugment(img, r.C, h, w, p.Pad, p.Edge, top, left, r.H, r.W, flip)) {
						found = true
						f := 0
						if flip {
							f = 1
						}
						seen[[3]int{top, left, f}] = true
						break
					}
				}
			}
		}
		if !found {
			t.Fatalf("batch %d row %d (sample %d): not a pad/crop/flip of the sample", b, row, id)
		}
		if y[row] != int32(d.Labels[id]) {
			t.Fatalf("batch %d row %d: label %d, want %d", b, row, y[row], d.Labels[id])
		}
	}
	return seen
}

func TestRecipeLoaders(t *testing.T) {
	for _, tc := range []struct {
		ds, arch string
		c, h, w  int
	}{
		{"MNIST_CNN", "cnn", 1, 28, 28},
		{"FashionMNIST_CNN", "cnn", 1, 28, 28},
		{"CIFAR10", "cnn_pool", 3, 32, 32},
		{"STL10_cls", "cnn_pool", 3, 96, 96},
		{"STL10", "cnn_stride_autoencoder", 3, 96, 96},
	} {
		r, err := RecipeFor(tc.ds, tc.arch)
		if err != nil {
			t.Fatal(err)
		}
		n := 24
		if tc.h == 96 {
			n = 6
		}
		d := patternSet(n, tc.c, tc.h, tc.w)
		idx, _ := Split(n, 0, 3)
		x := make([]float32, 4*r.Dim())
		y := make([]int32, 4)
		plain := r // the transforms' bytes, to compare without normalisation
		plain.Norm = plainNorm(r.C)

		// Training: every row is a crop/flip of its sample, and several
		// offsets and both flips occur.
		tl := plain.NewLoader(d, idx, 4, true, 11, true)
		if c, h, w, nhwc := tl.Shape(); c != r.C || h != r.H || w != r.W || nhwc != r.NHWC || tl.Dim() != r.Dim() {
			t.Fatalf("%s: Shape %d %d %d %v", tc.ds, c, h, w, nhwc)
		}
		seen := map[[3]int]bool{}
		flips := map[int]bool{}
		for e := 0; e < 3; e++ {
			tl.SetEpoch(e)
			for b := 0; b < tl.NumBatches(); b++ {
				for k := range checkAugmented(t, tl, d, plain, r.Train, b, x, y) {
					seen[k] = true
					flips[k[2]] = true
				}
			}
		}
		if len(flips) != 2 || (r.Train.Pad > 0 && len(seen) < 8) {
			t.Errorf("%s: augmentation not random enough: %v", tc.ds, seen)
		}

		// Evaluation: exactly the (resized) image.
		el := plain.NewLoader(d, idx, 4, false, 11, false)
		for b := 0; b < el.NumBatches(); b++ {
			rows := el.Batch(b, x, y)
			for row, id := range el.Indices(b)[:rows] {
				want := d.Image(id)
				if r.Eval.Resize && tc.h != r.H {
					want = make([]uint8, r.Dim())
					newPILResizer(r.C, tc.h, tc.w, r.H, r.W).resize(d.Image(id), want)
				}
				if got := bytesOf(t, x[row*r.Dim():(row+1)*r.Dim()], r.C, r.H, r.W, r.NHWC); !slices.Equal(got, want) {
					t.Fatalf("%s: eval batch %d row %d differs", tc.ds, b, row)
				}
			}
		}

		// With the recipe's normalisation: value = (v/255 − mean)/std of
		// the byte the plain loader gives, at the same place.
		nl := r.NewLoader(d, idx, 4, true, 11, true)
		tl.SetEpoch(1)
		nl.SetEpoch(1)
		xp := make([]float32, len(x))
		rows := tl.Batch(1, xp, y)
		nl.Batch(1, x, y)
		for i, v := range xp[:rows*r.Dim()] {
			c := i % r.C
			if !r.NHWC {
				c = i / (r.H * r.W) % r.C
			}
			b := float32(math.Round(float64(v) * 255))
			if want := (b/255 - r.Norm.Mean[c]) / r.Norm.Std[c]; x[i] != want {
				t.Fatalf("%s: normalised value %d: %v, want %v", tc.ds, i, x[i], want)
			}
		}

		// No allocation per batch.
		b := 0
		if a := testing.AllocsPerRun(20, func() { nl.Batch(b%nl.NumBatches(), x, y); b++ }); a != 0 {
			t.Errorf("%s: training Batch allocates %v times", tc.ds, a)
		}
		if a := testing.AllocsPerRun(20, func() { el.Batch(b%el.NumBatches(), x, y); b++ }); a != 0 {
			t.Errorf("%s: evaluation Batch allocates %v times", tc.ds, a)
		}
	}
}

func TestRecipeLoaderDeterminism(t *testing.T) {
	r, _ := RecipeFor("CIFAR10", "cnn_pool")
	d := patternSet(40, 3, 32, 32)
	idx, _ := Split(40, 0, 1)
	batches := func(l *Loader, e int, order []int) map[int][]float32 {
		l.SetEpoch(e)
		out := map[int][]float32{}
		x := make([]float32, 8*r.Dim())
		y := make([]int32, 8)
		for _, b := range order {
			n := l.Batch(b, x, y)
			out[b] = slices.Clone(x[:n*r.Dim()])
		}
		return out
	}
	a := batches(r.NewLoader(d, idx, 8, true, 5, true), 3, []int{0, 1, 2, 3, 4})
	l := r.NewLoader(d, idx, 8, true, 5, true)
	batches(l, 7, []int{4, 2}) // another epoch first
	b := batches(l, 3, []int{4, 3, 2, 1, 0})
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			t.Fatalf("batch %d depends on what was produced before", k)
		}
	}
	c := batches(l, 4, []int{0})
	if slices.Equal(a[0], c[0]) {
		t.Error("epoch 4 batch 0 equals epoch 3's")
	}
	// Without shuffling the sample order is fixed but the augmentation
	// still changes with the epoch (a validation loader cut from the
	// augmented set).
	v := r.NewLoader(d, idx, 8, false, 5, true)
	if slices.Equal(batches(v, 0, []int{0})[0], batches(v, 1, []int{0})[0]) {
		t.Error("an unshuffled augmented loader repeats its augmentation across epochs")
	}
}

func TestRecipeNewLoaderPanics(t *testing.T) {
	r, _ := RecipeFor("CIFAR10", "cnn")
	for _, d := range []*Dataset{patternSet(2, 1, 32, 32), patternSet(2, 3, 28, 28)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%d×%d×%d data set: no panic", d.C, d.H, d.W)
				}
			}()
			r.NewLoader(d, []int{0}, 1, false, 0, false)
		}()
	}
}

func BenchmarkRecipeBatch(b *testing.B) {
	for _, tc := range []struct {
		ds, arch string
		batch    int
		augment  bool
	}{
		{"CIFAR10", "cnn_pool", 128, true},
		{"MNIST_CNN", "cnn", 256, true},
		{"MNIST_CNN", "cnn", 256, false},
		{"STL10_cls", "cnn_pool", 128, true},
		{"STL10", "cnn_stride_autoencoder", 32, true},
	} {
		name := tc.ds + "/train"
		if !tc.augment {
			name = tc.ds + "/eval"
		}
		b.Run(name, func(b *testing.B) {
			r, _ := RecipeFor(tc.ds, tc.arch)
			c, h, w, _ := Shape(r.Files)
			d := patternSet(512, c, h, w)
			idx, _ := Split(d.N, 0, 1)
			l := r.NewLoader(d, idx, tc.batch, true, 1, tc.augment)
			x := make([]float32, tc.batch*r.Dim())
			y := make([]int32, tc.batch)
			b.SetBytes(int64(tc.batch * r.Dim() * 4))
			i := 0
			for b.Loop() {
				l.Batch(i%l.NumBatches(), x, y)
				i++
			}
		})
	}
}

// The Center step puts a 28×28 image in the middle of a 32×32 canvas of
// zeros (2 pixels on each side); with Pad the crop moves around it by at
// most Pad, and every pixel of the image either lands at its shifted place
// or falls off the canvas.
func TestCenterPipeline(t *testing.T) {
	d := &Dataset{Name: "t", N: 1, C: 1, H: 28, W: 28, Classes: 10, Images: make([]uint8, 28*28), Labels: []uint8{3}}
	for i := range d.Images {
		d.Images[i] = uint8(1 + i%250)
	}
	r, err := RecipeFor("FashionMNIST", "cnn_stride_autoencoder")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 32*32)
	y := make([]int32, 1)
	r.NewLoader(d, []int{0}, 1, false, 1, false).Batch(0, x, y)
	for yy := 0; yy < 32; yy++ {
		for xx := 0; xx < 32; xx++ {
			want := float32(0)
			if yy >= 2 && yy < 30 && xx >= 2 && xx < 30 {
				want = float32(d.Images[(yy-2)*28+xx-2]) / 255
			}
			if x[yy*32+xx] != want {
				t.Fatalf("eval pixel (%d, %d) = %g, want %g", yy, xx, x[yy*32+xx], want)
			}
		}
	}
	l := r.NewLoader(d, []int{0}, 1, false, 1, true)
	for e := 0; e < 20; e++ {
		l.SetEpoch(e)
		l.Batch(0, x, y)
		// Find the shift (dy, dx, flip) that explains the output.
		found := false
		for dy := -4; dy <= 4 && !found; dy++ {
			for dx := -4; dx <= 4 && !found; dx++ {
				for _, flip := range []bool{false, true} {
					ok := true
					for yy := 0; yy < 32 && ok; yy++ {
						for xx := 0; xx < 32 && ok; xx++ {
							sx := xx
							if flip {
								sx = 31 - xx
							}
							iy, ix := yy+dy-2, sx+dx-2
							want := float32(0)
							if iy >= 0 && iy < 28 && ix >= 0 && ix < 28 {
								want = float32(d.Images[iy*28+ix]) / 255
							}
							ok = x[yy*32+xx] == want
						}
					}
					if ok {
						found = true
						break
					}
				}
			}
		}
		if !found {
			t.Fatalf("epoch %d: training image is not a shifted (≤ 4 px), possibly flipped, centred copy", e)
		}
	}
}
