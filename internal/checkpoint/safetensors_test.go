package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample returns a file with every supported dtype, scalars, empty tensors
// and awkward names and metadata.
func sample() *File {
	return &File{
		Tensors: []Tensor{
			{Name: "W1", Shape: []int{2, 3}, F32: []float32{1, -2, 3.5, float32(math.Inf(1)), float32(math.Copysign(0, -1)), 1e-38}},
			{Name: "bn.num_batches_tracked", Shape: []int{}, I64: []int64{42}},
			{Name: "a", Shape: []int{}, F32: []float32{7}},
			{Name: "empty", Shape: []int{0, 3}, F32: []float32{}},
			{Name: "empty64", Shape: []int{0}, I64: []int64{}},
			{Name: "steps", Shape: []int{3}, I64: []int64{math.MinInt64, -1, math.MaxInt64}},
			{Name: "naïve \"quoted\" <name>", Shape: []int{1, 1, 1}, F32: []float32{float32(math.NaN())}},
		},
		Metadata: map[string]string{"format": "pt", "note": "ünïcode \"q\" \n <&>", "": "empty key"},
	}
}

// equalFiles compares two files bit for bit (NaN equal to itself), tensors
// in name order.
func equalFiles(t *testing.T, got, want *File) {
	t.Helper()
	w := slices.Clone(want.Tensors)
	slices.SortFunc(w, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	if len(got.Tensors) != len(w) {
		t.Fatalf("got %d tensors, want %d", len(got.Tensors), len(w))
	}
	for i := range w {
		g, e := got.Tensors[i], w[i]
		if g.Name != e.Name || g.DType() != e.DType() || !slices.Equal(g.Shape, e.Shape) || g.Len() != e.Len() {
			t.Fatalf("tensor %d: got %q %s %v (%d values), want %q %s %v (%d values)", i, g.Name, g.DType(), g.Shape, g.Len(), e.Name, e.DType(), e.Shape, e.Len())
		}
		if g.Shape == nil {
			t.Errorf("tensor %q: nil shape", g.Name)
		}
		if !slices.Equal(g.I64, e.I64) {
			t.Errorf("tensor %q: got %v, want %v", g.Name, g.I64, e.I64)
		}
		for j := range e.F32 {
			if math.Float32bits(g.F32[j]) != math.Float32bits(e.F32[j]) {
				t.Errorf("tensor %q [%d]: got %g, want %g", g.Name, j, g.F32[j], e.F32[j])
			}
		}
	}
	if len(got.Metadata) != len(want.Metadata) {
		t.Fatalf("metadata: got %v, want %v", got.Metadata, want.Metadata)
	}
	for k, v := range want.Metadata {
		if got.Metadata[k] != v {
			t.Errorf("metadata %q: got %q, want %q", k, got.Metadata[k], v)
		}
	}
}

func encodeBytes(t testing.TB, f *File) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	f := sample()
	data := encodeBytes(t, f)
	got, err := Decode(data, "mem")
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, got, f)

	// Through the file system.
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err = Read(path)
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, got, f)
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, data) {
		t.Error("Write and Encode give different bytes")
	}

	// No tensors, no metadata.
	got, err = Decode(encodeBytes(t, &File{}), "empty")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tensors) != 0 || len(got.Metadata) != 0 {
		t.Errorf("empty file decodes to %+v", got)
	}
}

func TestLayoutOfEncoding(t *testing.T) {
	data := encodeBytes(t, sample())
	n := binary.LittleEndian.Uint64(data)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	if bytes.TrimRight(data[8:8+n], " ")[0] != '{' || data[8+n-1] != ' ' && data[8+n-1] != '}' {
		t.Errorf("header %q", data[8:8+n])
	}
	// I64 tensors first, then by name: every tensor 8-aligned when the
	// I64 ones are.
	h := string(data[8 : 8+n])
	if i, j := strings.Index(h, `"steps"`), strings.Index(h, `"W1"`); i < 0 || j < 0 || i > j {
		t.Errorf("I64 tensors do not come first: %s", h)
	}
}

func TestDeterministic(t *testing.T) {
	a := sample()
	b := sample()
	slices.Reverse(b.Tensors)
	ea, eb := encodeBytes(t, a), encodeBytes(t, b)
	if !bytes.Equal(ea, eb) {
		t.Error("tensor order changes the encoding")
	}
	for range 5 {
		if !bytes.Equal(encodeBytes(t, sample()), ea) {
			t.Fatal("two encodings of the same file differ")
		}
	}
	// Decode → Encode is the identity on our own files.
	f, err := Decode(ea, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encodeBytes(t, f), ea) {
		t.Error("re-encoding a decoded file changes its bytes")
	}
}

func TestEncodeRejects(t *testing.T) {
	cases := []struct {
		name string
		f    File
		want string
	}{
		{"empty name", File{Tensors: []Tensor{{Name: "", Shape: []int{1}, F32: []float32{1}}}}, "empty name"},
		{"reserved", File{Tensors: []Tensor{{Name: "__metadata__", Shape: []int{1}, F32: []float32{1}}}}, "reserved"},
		{"duplicate", File{Tensors: []Tensor{{Name: "a", Shape: []int{1}, F32: []float32{1}}, {Name: "a", Shape: []int{1}, F32: []float32{1}}}}, `"a" appears twice`},
		{"shape", File{Tensors: []Tensor{{Name: "a", Shape: []int{2, 2}, F32: []float32{1}}}}, "needs 4 values, have 1"},
		{"negative", File{Tensors: []Tensor{{Name: "a", Shape: []int{-1}, F32: []float32{}}}}, "negative"},
		{"both", File{Tensors: []Tensor{{Name: "a", Shape: []int{1}, F32: []float32{1}, I64: []int64{1}}}}, "both"},
		{"utf8", File{Metadata: map[string]string{"k": "\xff"}}, "UTF-8"},
	}
	for _, c := range cases {
		err := Encode(io.Discard, &c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// raw builds a file from a header (unpadded) and a data section.
func raw(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestDecodeErrors(t *testing.T) {
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	valid := `{"W1":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	long := binary.LittleEndian.AppendUint64(nil, MaxHeader+1)
	cases := []struct {
		name string
		data []byte
		want string // the whole message after "checkpoint: run/last.safetensors: "
	}{
		{"short", []byte{1, 2, 3}, "file is 3 bytes, shorter than the 8-byte header length"},
		{"header limit", append(long, make([]byte, 16)...), "header length 104857601 exceeds the limit of 104857600 bytes"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 exceeds the 2 bytes after the length field"},
		{"not utf8", raw("{\"\xff\":1}", nil), "header is not valid UTF-8"},
		{"not an object", raw(`["W1"]`, nil), "header byte 0: expected '{' to start the JSON object"},
		{"empty header", raw(``, nil), "header byte 0: expected '{' to start the JSON object"},
		{"truncated JSON", raw(`{"W1":{"dtype":"F32"`, nil), "header byte 20: JSON ends early"},
		{"bad JSON", raw(`{"W1" 5}`, nil), "header byte 6: invalid JSON: invalid character '5' after object key"},
		{"trailing garbage", raw(valid+"  x", f32(2)), `header byte 57: expected only space padding after the JSON object, got 'x'`},
		{"trailing second object", raw(valid+"{}", f32(2)), `header byte 55: expected only space padding after the JSON object, got '{'`},
		{"duplicate tensor", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), `header byte 54: key "a" appears twice`},
		{"duplicate metadata", raw(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `header byte 25: metadata key "k" appears twice`},
		{"duplicate metadata object", raw(`{"__metadata__":{},"__metadata__":{}}`, nil), `header byte 19: key "__metadata__" appears twice`},
		{"metadata not string", raw(`{"__metadata__":{"epoch":3}}`, nil), `header byte 25: metadata "epoch": expected a string value, got number 3`},
		{"metadata not object", raw(`{"__metadata__":"x"}`, nil), `header byte 16: __metadata__: expected "{", got string "x"`},
		{"unknown dtype", raw(`{"W1":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, f32(2)), `header byte 15: tensor "W1": unknown dtype "F33"`},
		{"unsupported dtype", raw(`{"W1":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}`, f32(2)), `header byte 15: tensor "W1": dtype F16 (2-byte) is valid safetensors but not supported here (F32, I64)`},
		{"dtype not string", raw(`{"W1":{"dtype":4,"shape":[4],"data_offsets":[0,8]}}`, f32(2)), `header byte 15: tensor "W1": dtype: expected a string, got number 4`},
		{"negative dim", raw(`{"W1":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32(2)), `header byte 30: tensor "W1": shape: expected an integer in [0, 2147483647], got -2`},
		{"fractional dim", raw(`{"W1":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, f32(2)), `header byte 30: tensor "W1": shape: expected an integer in [0, 2147483647], got 2.0`},
		{"dim not number", raw(`{"W1":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, f32(2)), `header byte 30: tensor "W1": shape: expected a non-negative integer, got string "2"`},
		{"shape not array", raw(`{"W1":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, f32(2)), `header byte 29: tensor "W1": shape: expected "[", got number 2`},
		{"one offset", raw(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, f32(2)), `header byte 48: tensor "W1": data_offsets: expected 2 integers, got 1`},
		{"huge offset", raw(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}`, f32(2)), `header byte 51: tensor "W1": data_offsets: expected an integer in [0, 9223372036854775807], got 18446744073709551615`},
		{"size mismatch", raw(`{"W1":{"dtype":"F32","shape":[16,20],"data_offsets":[0,100]}}`, make([]byte, 100)), `tensor "W1": data_offsets [0, 100] hold 100 bytes, shape [16 20] of F32 needs 1280`},
		{"I64 size mismatch", raw(`{"n":{"dtype":"I64","shape":[],"data_offsets":[0,4]}}`, f32(1)), `tensor "n": data_offsets [0, 4] hold 4 bytes, shape [] of I64 needs 8`},
		{"past data", raw(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32(1)), `tensor "W1": data_offsets [0, 8] run past the 4-byte data section`},
		{"reversed", raw(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, f32(2)), `tensor "W1": data_offsets [8, 0] end before they begin`},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32(3)), `tensor "b": data_offsets [4, 12] overlap tensor "a", which ends at 8`},
		{"same range", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32(2)), `tensor "b": data_offsets [0, 8] overlap tensor "a", which ends at 8`},
		{"hole", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32(3)), `tensor "b": data_offsets [8, 12] leave bytes [4, 8) of the data section unused`},
		{"leading hole", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), `tensor "a": data_offsets [4, 8] leave bytes [0, 4) of the data section unused`},
		{"trailing bytes", raw(valid, f32(3)), `data section is 12 bytes but the tensors cover only [0, 8)`},
		{"data without tensors", raw(`{}`, f32(1)), `data section is 4 bytes but the tensors cover only [0, 0)`},
		{"empty name", raw(`{"":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, nil), `header byte 1: a tensor has an empty name`},
		{"unknown field", raw(`{"W1":{"dtype":"F32","shape":[2],"offsets":[0,8]}}`, f32(2)), `header byte 33: tensor "W1": unexpected field "offsets" (expected dtype, shape, data_offsets)`},
		{"missing field", raw(`{"W1":{"dtype":"F32","data_offsets":[0,8]}}`, f32(2)), `header byte 6: tensor "W1": missing shape`},
		{"repeated field", raw(`{"W1":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}`, f32(2)), `header byte 33: tensor "W1": field "shape" appears twice`},
		{"tensor not object", raw(`{"W1":[1]}`, nil), `header byte 6: tensor "W1": expected "{", got "["`},
		{"too many dims", raw(`{"W1":{"dtype":"F32","shape":[`+strings.Repeat("1,", 64)+`1],"data_offsets":[0,4]}}`, f32(1)), `header byte 158: tensor "W1": shape: more than 64 entries`},
		{"overflowing shape", raw(`{"W1":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}`, f32(1)), `tensor "W1": shape [2147483647 2147483647 2147483647] overflows`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data, "run/last.safetensors")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			msg := err.Error()
			want := "checkpoint: run/last.safetensors: " + c.want
			if msg != want {
				t.Errorf("got  %s\nwant %s", msg, want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestDecodeAcceptsForeignFiles(t *testing.T) {
	// Padded header, whitespace, metadata first, tensors out of data order,
	// empty tensors sharing an offset.
	h := "{ \"__metadata__\" : {\"format\":\"pt\"},\n \"b\": {\"shape\": [1], \"dtype\": \"F32\", \"data_offsets\": [4, 8]}," +
		" \"a\": {\"data_offsets\": [0, 4], \"dtype\": \"F32\", \"shape\": []}, \"e\": {\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}    "
	data := raw(h, []byte{0, 0, 128, 63, 0, 0, 0, 64})
	f, err := Decode(data, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := &File{Tensors: []Tensor{{Name: "a", Shape: []int{}, F32: []float32{1}}, {Name: "b", Shape: []int{1}, F32: []float32{2}}, {Name: "e", Shape: []int{0}, F32: []float32{}}},
		Metadata: map[string]string{"format": "pt"}}
	equalFiles(t, f, want)
}

// failAfter is a writer that fails once n bytes have been written.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	if err := Write(path, sample()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	big := &File{Tensors: []Tensor{{Name: "W", Shape: []int{1 << 16}, F32: make([]float32, 1<<16)}}}
	for _, n := range []int{0, 8, 100, 1 << 17} {
		err := write(path, big, func(w io.Writer) io.Writer { return &failAfter{w: w, n: n} })
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.HasPrefix(err.Error(), "checkpoint: "+path) {
			t.Errorf("failing after %d bytes: got %v", n, err)
		}
	}
	// An invalid file fails before anything is written.
	if err := Write(path, &File{Tensors: []Tensor{{Name: "a", Shape: []int{3}, F32: []float32{1}}}}); err == nil {
		t.Error("invalid file written")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed write changed the previous file")
	}
	onlyCheckpoint(t, dir)
	if _, err := Read(filepath.Join(dir, "missing.safetensors")); err == nil || !strings.HasPrefix(err.Error(), "checkpoint: ") {
		t.Errorf("reading a missing file: %v", err)
	}
}

// onlyCheckpoint fails the test unless dir holds exactly one file (the
// checkpoint: no temporary file left behind).
func onlyCheckpoint(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only the checkpoint", names)
	}
}
