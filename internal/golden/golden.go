// Package golden reads the PyTorch golden files in testdata/golden (see the
// README there) and compares Go tensors with them. It is used by tests only.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// Tolerance is the largest relative error the tests accept, per tensor:
// max|got − want| / max(max|want|, 1e-12).
const Tolerance = 1e-4

// Tensor is one named array of a golden file.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// F32 returns the data as float32 (every value was written so that it
// round-trips to the exact float32 PyTorch computed).
func (t *Tensor) F32() []float32 {
	out := make([]float32, len(t.Data))
	for i, v := range t.Data {
		out[i] = float32(v)
	}
	return out
}

// Labels returns the data as int32 class labels.
func (t *Tensor) Labels() []int32 {
	out := make([]int32, len(t.Data))
	for i, v := range t.Data {
		out[i] = int32(v)
	}
	return out
}

// File is a whole golden file.
type File struct {
	Version int                `json:"version"`
	Case    string             `json:"case"`
	Config  map[string]any     `json:"config"`
	Tensors map[string]*Tensor `json:"tensors"`
	// Generation records how the file was made; ZeroExact lists tensors
	// that are exactly zero in exact arithmetic (e.g. the gradient of a
	// bias followed by batch norm), whose stored values are rounding noise.
	Generation struct {
		ZeroExact []string `json:"zero_in_exact_arithmetic"`
	} `json:"generation"`
	path   string
	maxErr float64 // largest relative error Check has seen
	worst  string  // the tensor it was seen on
}

// MaxErr returns the largest relative error Check has measured on this
// file (tensors compared as exact zeros excluded) and the tensor's name.
func (f *File) MaxErr() (float64, string) { return f.maxErr, f.worst }

// NoiseLevel is the magnitude below which every value of a reference tensor
// is rounding noise around an exact zero (e.g. a zero-initialised bias
// followed by batch norm, moved only by its exactly-zero gradient); such a
// tensor is checked like the ZeroExact ones.
const NoiseLevel = 1e-9

// noise reports whether every value of the named tensor is below NoiseLevel
// in magnitude (and the tensor is not empty).
func (f *File) noise(name string) bool {
	d := f.T(name).Data
	for _, v := range d {
		if math.Abs(v) >= NoiseLevel {
			return false
		}
	}
	return len(d) > 0
}

// ZeroTolerance bounds |got| for a tensor that is zero in exact arithmetic.
const ZeroTolerance = 1e-5

// Dir returns the absolute path of testdata/golden in this repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden")
}

// Load reads testdata/golden/name.
func Load(name string) (*File, error) {
	p := filepath.Join(Dir(), name)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	f := &File{path: p}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("golden: %s: %w", p, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("golden: %s: version %d, want 1", p, f.Version)
	}
	return f, nil
}

// Has reports whether the file holds the named tensor.
func (f *File) Has(name string) bool { _, ok := f.Tensors[name]; return ok }

// T returns the named tensor or panics (a test's programming error).
func (f *File) T(name string) *Tensor {
	t, ok := f.Tensors[name]
	if !ok {
		panic(fmt.Sprintf("golden: %s: no tensor %q", f.path, name))
	}
	return t
}

// Num returns a numeric config value.
func (f *File) Num(key string) float64 {
	v, ok := f.Config[key].(float64)
	if !ok {
		panic(fmt.Sprintf("golden: %s: config %q is not a number", f.path, key))
	}
	return v
}

// Str returns a string config value.
func (f *File) Str(key string) string {
	v, ok := f.Config[key].(string)
	if !ok {
		panic(fmt.Sprintf("golden: %s: config %q is not a string", f.path, key))
	}
	return v
}

// Ints returns an integer-list config value.
func (f *File) Ints(key string) []int {
	raw, ok := f.Config[key].([]any)
	if !ok {
		panic(fmt.Sprintf("golden: %s: config %q is not a list", f.path, key))
	}
	out := make([]int, len(raw))
	for i, v := range raw {
		out[i] = int(v.(float64))
	}
	return out
}

// RelErr returns max|got − want| / max(max|want|, 1e-12) and an error if the
// lengths differ.
func RelErr(got []float32, want []float64) (float64, error) {
	if len(got) != len(want) {
		return math.Inf(1), fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	var diff, scale float64
	for i, w := range want {
		diff = max(diff, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	if math.IsNaN(diff) {
		return math.Inf(1), nil
	}
	return diff / max(scale, 1e-12), nil
}

// TB is the part of testing.TB that Check uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check compares got with the named tensor and reports an error (not a
// fatal one: every mismatch of a run is shown) when the relative error
// exceeds Tolerance. It returns the relative error.
func (f *File) Check(t TB, name string, got []float32) float64 {
	t.Helper()
	if slices.Contains(f.Generation.ZeroExact, name) || f.noise(name) {
		var m float64
		for _, v := range got {
			m = max(m, math.Abs(float64(v)))
		}
		if len(got) != len(f.T(name).Data) || m > ZeroTolerance {
			t.Errorf("%s: %s: exactly zero in exact arithmetic, got max |value| %.3g (> %g) over %d values",
				f.Case, name, m, ZeroTolerance, len(got))
		}
		return m
	}
	return f.compare(t, name, got, f.T(name).Data)
}

// compare checks got against want (the named tensor) with Tolerance.
func (f *File) compare(t TB, name string, got []float32, want []float64) float64 {
	t.Helper()
	e, err := RelErr(got, want)
	if err != nil {
		t.Errorf("%s: %s: %v", f.Case, name, err)
		return e
	}
	if e > f.maxErr {
		f.maxErr, f.worst = e, name
	}
	if e > Tolerance {
		t.Errorf("%s: %s: relative error %.3g > %g", f.Case, name, e, Tolerance)
	}
	return e
}

// LogMaxErr logs the largest relative error seen on the file.
func (f *File) LogMaxErr(t interface{ Logf(string, ...any) }) {
	e, name := f.MaxErr()
	t.Logf("%s: largest relative error %.2g (%s), tolerance %g", f.Case, e, name, Tolerance)
}

// CheckScalar compares a scalar with the named one-element tensor.
func (f *File) CheckScalar(t TB, name string, got float64) float64 {
	t.Helper()
	return f.Check(t, name, []float32{float32(got)})
}

// NHWC returns a rank-4 NCHW tensor (PyTorch's layout for feature maps) as
// float32 in NHWC order (package conv's layout); other ranks are returned
// as F32 does.
func (t *Tensor) NHWC() []float32 {
	if len(t.Shape) != 4 {
		return t.F32()
	}
	n, c, h, w := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	out := make([]float32, len(t.Data))
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					out[((i*h+y)*w+x)*c+ch] = float32(t.Data[((i*c+ch)*h+y)*w+x])
				}
			}
		}
	}
	return out
}

// CheckNHWC compares an NHWC feature map with a golden NCHW tensor.
func (f *File) CheckNHWC(t TB, name string, got []float32) float64 {
	t.Helper()
	want := f.T(name).NHWC()
	w64 := make([]float64, len(want))
	for i, v := range want {
		w64[i] = float64(v)
	}
	return f.compare(t, name, got, w64)
}
