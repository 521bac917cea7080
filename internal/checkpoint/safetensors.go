package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/counter-current/ccl/internal/atomicfile"
)

// MaxHeader is the largest JSON header Decode accepts, in bytes (the limit
// of the reference Rust implementation).
const MaxHeader = 100 << 20

// metadataKey is the header entry holding the string → string metadata.
const metadataKey = "__metadata__"

// Data types of the format. Only F32 and I64 are held by Tensor; the others
// are recognised (so that an error can say the file is valid but not
// supported) and rejected.
const (
	F32 = "F32" // 32-bit IEEE float, held in Tensor.F32
	I64 = "I64" // 64-bit signed integer, held in Tensor.I64
)

// knownDTypes lists every dtype name of the safetensors format with its
// element size in bytes (0: sub-byte types, never supported here).
var knownDTypes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8, "C64": 8,
	"F4": 0, "F6_E2M3": 0, "F6_E3M2": 0,
}

// Tensor is one named array of a checkpoint: float32 values in F32, or
// int64 values in I64 (non-nil I64 makes the tensor an I64 tensor). The
// values are in row-major ("C") order; a scalar has an empty Shape and one
// value.
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	I64   []int64
}

// DType returns the tensor's safetensors dtype name, I64 or F32.
func (t *Tensor) DType() string {
	if t.I64 != nil {
		return I64
	}
	return F32
}

// Len returns the number of values the tensor holds.
func (t *Tensor) Len() int {
	if t.I64 != nil {
		return len(t.I64)
	}
	return len(t.F32)
}

// File is the content of one safetensors file: its tensors (in any order;
// Decode returns them sorted by name) and its string metadata.
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Lookup returns the tensor with the given name, or nil.
func (f *File) Lookup(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

// Write atomically replaces path with the encoding of f (see Encode and
// package atomicfile): on any error the previous file is left intact.
func Write(path string, f *File) error {
	return write(path, f, nil)
}

// write is Write with an optional wrapper around the file's writer (tests
// use it to inject a failing writer).
func write(path string, f *File, wrap func(io.Writer) io.Writer) error {
	if err := check(f); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		if wrap != nil {
			w = wrap(w)
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := encode(bw, f); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Read reads and strictly validates the safetensors file at path (see
// Decode).
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return Decode(data, path)
}

// Encode writes f in the safetensors format: the header's tensors and the
// data section in a deterministic order (I64 tensors first so that every
// tensor starts on an 8-byte boundary, then by name; F32 by name), the
// metadata last in the header with its keys sorted, and the header padded
// with spaces to a multiple of 8 bytes. The same File always gives the same
// bytes. Encode rejects empty, duplicate or reserved names, negative
// dimensions, values that do not match the shape, and metadata with
// invalid UTF-8.
func Encode(w io.Writer, f *File) error {
	if err := check(f); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return encode(w, f)
}

// check validates f for encoding.
func check(f *File) error {
	seen := make(map[string]bool, len(f.Tensors))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		switch {
		case t.Name == "":
			return fmt.Errorf("tensor %d has an empty name", i)
		case t.Name == metadataKey:
			return fmt.Errorf("tensor name %q is reserved for the metadata", t.Name)
		case !utf8.ValidString(t.Name):
			return fmt.Errorf("tensor name %q is not valid UTF-8", t.Name)
		case seen[t.Name]:
			return fmt.Errorf("tensor %q appears twice", t.Name)
		case t.I64 != nil && t.F32 != nil:
			return fmt.Errorf("tensor %q has both F32 and I64 values", t.Name)
		}
		seen[t.Name] = true
		n, ok := numel(t.Shape)
		if !ok {
			return fmt.Errorf("tensor %q: shape %v has a negative or overflowing dimension", t.Name, t.Shape)
		}
		if uint64(t.Len()) != n {
			return fmt.Errorf("tensor %q: shape %v needs %d values, have %d", t.Name, t.Shape, n, t.Len())
		}
	}
	for k, v := range f.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("metadata %q: not valid UTF-8", k)
		}
	}
	return nil
}

// numel returns the product of shape, false on a negative dimension or an
// overflow of the byte count of 8-byte values.
func numel(shape []int) (uint64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64/8 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// order returns the indices of f.Tensors in encoding order.
func order(f *File) []int {
	idx := make([]int, len(f.Tensors))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		ta, tb := &f.Tensors[a], &f.Tensors[b]
		if (ta.I64 != nil) != (tb.I64 != nil) {
			if ta.I64 != nil {
				return -1
			}
			return 1
		}
		return strings.Compare(ta.Name, tb.Name)
	})
	return idx
}

func encode(w io.Writer, f *File) error {
	idx := order(f)
	var h bytes.Buffer
	h.WriteByte('{')
	off := uint64(0)
	for k, i := range idx {
		t := &f.Tensors[i]
		if k > 0 {
			h.WriteByte(',')
		}
		writeJSONString(&h, t.Name)
		h.WriteString(`:{"dtype":"`)
		h.WriteString(t.DType())
		h.WriteString(`","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		size := uint64(t.Len()) * 4
		if t.I64 != nil {
			size = uint64(t.Len()) * 8
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, off, off+size)
		off += size
	}
	if len(f.Metadata) > 0 {
		if len(idx) > 0 {
			h.WriteByte(',')
		}
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		keys := make([]string, 0, len(f.Metadata))
		for k := range f.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for j, k := range keys {
			if j > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, f.Metadata[k])
		}
		h.WriteByte('}')
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	for _, i := range idx {
		t := &f.Tensors[i]
		for _, v := range t.I64 {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
			if len(buf) >= cap(buf)-8 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		for _, v := range t.F32 {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) >= cap(buf)-8 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// writeJSONString writes s as a JSON string (encoding/json's escaping,
// without HTML escaping).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}

// info is one tensor entry of a header.
type info struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
}

// Decode parses and strictly validates a safetensors file held in data;
// name labels every error. It checks that the header length fits the
// file and MaxHeader, that the header is a UTF-8 JSON object (starting
// with '{', only spaces after it) without duplicate keys, whose entries
// are "__metadata__" (string → string) and tensors with exactly the
// fields dtype (F32 or I64; other safetensors dtypes are reported as
// unsupported), shape (non-negative integers) and data_offsets (two
// integers, begin ≤ end), that each tensor's byte count is its shape's
// product times the dtype size, and that the tensors cover the data
// section exactly once, without holes, overlaps or trailing bytes. The
// tensors are returned sorted by name. Decode never panics.
func Decode(data []byte, name string) (*File, error) {
	f, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	return f, nil
}

func decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeader {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field", n, len(data)-8)
	}
	header := data[8 : 8+n]
	body := data[8+n:]
	if !utf8.Valid(header) {
		return nil, fmt.Errorf("header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, fmt.Errorf("header byte 0: expected '{' to start the JSON object")
	}
	infos, meta, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(infos, uint64(len(body))); err != nil {
		return nil, err
	}
	f := &File{Metadata: meta, Tensors: make([]Tensor, len(infos))}
	slices.SortFunc(infos, func(a, b info) int { return strings.Compare(a.name, b.name) })
	for i, in := range infos {
		t := Tensor{Name: in.name, Shape: in.shape}
		b := body[in.begin:in.end]
		if in.dtype == I64 {
			t.I64 = make([]int64, len(b)/8)
			for j := range t.I64 {
				t.I64[j] = int64(binary.LittleEndian.Uint64(b[8*j:]))
			}
		} else {
			t.F32 = make([]float32, len(b)/4)
			for j := range t.F32 {
				t.F32[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
			}
		}
		f.Tensors[i] = t
	}
	return f, nil
}

// checkLayout verifies each tensor's byte count and that the tensors tile
// the data section of size size exactly.
func checkLayout(infos []info, size uint64) error {
	for _, in := range infos {
		if in.end < in.begin {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", in.name, in.begin, in.end)
		}
		if in.end > size {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data section", in.name, in.begin, in.end, size)
		}
		elem := uint64(knownDTypes[in.dtype])
		cnt, ok := numel(in.shape)
		if !ok {
			return fmt.Errorf("tensor %q: shape %v overflows", in.name, in.shape)
		}
		if hi, need := bits.Mul64(cnt, elem); hi != 0 || need != in.end-in.begin {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d",
				in.name, in.begin, in.end, in.end-in.begin, fmtShape(in.shape), in.dtype, cnt*elem)
		}
	}
	byOff := slices.Clone(infos)
	slices.SortStableFunc(byOff, func(a, b info) int {
		if a.begin != b.begin {
			if a.begin < b.begin {
				return -1
			}
			return 1
		}
		if a.end != b.end {
			if a.end < b.end {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	cur := uint64(0)
	prev := ""
	for _, in := range byOff {
		if in.begin < cur {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d", in.name, in.begin, in.end, prev, cur)
		}
		if in.begin > cur {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave bytes [%d, %d) of the data section unused", in.name, in.begin, in.end, cur, in.begin)
		}
		cur = in.end
		prev = in.name
	}
	if cur != size {
		return fmt.Errorf("data section is %d bytes but the tensors cover only [0, %d)", size, cur)
	}
	return nil
}

// fmtShape formats a shape as [16 20].
func fmtShape(s []int) string { return fmt.Sprint(s) }

// headerParser reads the header's JSON with a token decoder, so that
// duplicate keys (which encoding/json's maps would silently merge) are
// detected.
type headerParser struct {
	dec *json.Decoder
	hdr []byte
}

// pos returns the header offset of the next token: the decoder's offset
// moved past white space and the separators ':' and ','.
func (p *headerParser) pos() int64 {
	at := p.dec.InputOffset()
	for at < int64(len(p.hdr)) && strings.IndexByte(" \t\r\n:,", p.hdr[at]) >= 0 {
		at++
	}
	return at
}

// token returns the next token, wrapping syntax errors into one line.
func (p *headerParser) token() (json.Token, error) {
	at := p.pos()
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("header byte %d: invalid JSON: %v", se.Offset, se)
		}
		if err == io.EOF {
			return nil, fmt.Errorf("header byte %d: JSON ends early", at)
		}
		return nil, fmt.Errorf("header byte %d: invalid JSON: %v", at, err)
	}
	return tok, nil
}

// delim expects the delimiter d.
func (p *headerParser) delim(d json.Delim, what string) error {
	at := p.pos()
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("header byte %d: %s: expected %q, got %s", at, what, string(d), describe(tok))
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + string(v)
	case bool:
		return fmt.Sprintf("%v", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// key returns the next object key, or ok == false at the object's end.
func (p *headerParser) key() (k string, at int64, ok bool, err error) {
	if !p.dec.More() {
		return "", 0, false, p.delim('}', "object")
	}
	at = p.pos()
	tok, err := p.token()
	if err != nil {
		return "", at, false, err
	}
	s, isStr := tok.(string)
	if !isStr {
		return "", at, false, fmt.Errorf("header byte %d: expected an object key, got %s", at, describe(tok))
	}
	return s, at, true, nil
}

func parseHeader(header []byte) ([]info, map[string]string, error) {
	p := &headerParser{dec: json.NewDecoder(bytes.NewReader(header)), hdr: header}
	p.dec.UseNumber()
	if err := p.delim('{', "header"); err != nil {
		return nil, nil, err
	}
	var infos []info
	var meta map[string]string
	seen := map[string]bool{}
	for {
		k, at, ok, err := p.key()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		if seen[k] {
			return nil, nil, fmt.Errorf("header byte %d: key %q appears twice", at, k)
		}
		seen[k] = true
		if k == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if k == "" {
			return nil, nil, fmt.Errorf("header byte %d: a tensor has an empty name", at)
		}
		in, err := p.tensor(k)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, in)
	}
	end := p.dec.InputOffset()
	for i := end; i < int64(len(header)); i++ {
		if header[i] != ' ' {
			return nil, nil, fmt.Errorf("header byte %d: expected only space padding after the JSON object, got %q", i, header[i])
		}
	}
	return infos, meta, nil
}

// metadata parses the string → string metadata object.
func (p *headerParser) metadata() (map[string]string, error) {
	if err := p.delim('{', metadataKey); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for {
		k, at, ok, err := p.key()
		if err != nil {
			return nil, err
		}
		if !ok {
			return m, nil
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("header byte %d: metadata key %q appears twice", at, k)
		}
		vat := p.pos()
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		v, isStr := tok.(string)
		if !isStr {
			return nil, fmt.Errorf("header byte %d: metadata %q: expected a string value, got %s", vat, k, describe(tok))
		}
		m[k] = v
	}
}

// tensor parses one tensor entry {"dtype", "shape", "data_offsets"}.
func (p *headerParser) tensor(name string) (info, error) {
	in := info{name: name}
	obj := p.pos()
	if err := p.delim('{', fmt.Sprintf("tensor %q", name)); err != nil {
		return in, err
	}
	var haveDType, haveShape, haveOffsets bool
	for {
		k, kat, ok, err := p.key()
		if err != nil {
			return in, err
		}
		if !ok {
			break
		}
		var dup bool
		switch k {
		case "dtype":
			dup, haveDType = haveDType, true
			vat := p.pos()
			tok, err := p.token()
			if err != nil {
				return in, err
			}
			s, isStr := tok.(string)
			if !isStr {
				return in, fmt.Errorf("header byte %d: tensor %q: dtype: expected a string, got %s", vat, name, describe(tok))
			}
			size, known := knownDTypes[s]
			switch {
			case !known:
				return in, fmt.Errorf("header byte %d: tensor %q: unknown dtype %q", vat, name, s)
			case s != F32 && s != I64:
				return in, fmt.Errorf("header byte %d: tensor %q: dtype %s (%d-byte) is valid safetensors but not supported here (F32, I64)", vat, name, s, size)
			}
			in.dtype = s
		case "shape":
			dup, haveShape = haveShape, true
			v, err := p.uints(fmt.Sprintf("tensor %q: shape", name), -1, math.MaxInt32)
			if err != nil {
				return in, err
			}
			in.shape = make([]int, len(v))
			for i, d := range v {
				in.shape[i] = int(d)
			}
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			v, err := p.uints(fmt.Sprintf("tensor %q: data_offsets", name), 2, math.MaxInt64)
			if err != nil {
				return in, err
			}
			in.begin, in.end = v[0], v[1]
		default:
			return in, fmt.Errorf("header byte %d: tensor %q: unexpected field %q (expected dtype, shape, data_offsets)", kat, name, k)
		}
		if dup {
			return in, fmt.Errorf("header byte %d: tensor %q: field %q appears twice", kat, name, k)
		}
	}
	switch {
	case !haveDType:
		return in, fmt.Errorf("header byte %d: tensor %q: missing dtype", obj, name)
	case !haveShape:
		return in, fmt.Errorf("header byte %d: tensor %q: missing shape", obj, name)
	case !haveOffsets:
		return in, fmt.Errorf("header byte %d: tensor %q: missing data_offsets", obj, name)
	}
	return in, nil
}

// uints parses an array of non-negative integers ≤ limit; want ≥ 0 fixes
// its length.
func (p *headerParser) uints(what string, want int, limit uint64) ([]uint64, error) {
	open := p.pos()
	if err := p.delim('[', what); err != nil {
		return nil, err
	}
	var v []uint64
	for p.dec.More() {
		at := p.pos()
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		num, isNum := tok.(json.Number)
		if !isNum {
			return nil, fmt.Errorf("header byte %d: %s: expected a non-negative integer, got %s", at, what, describe(tok))
		}
		u, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || u > limit {
			return nil, fmt.Errorf("header byte %d: %s: expected an integer in [0, %d], got %s", at, what, limit, num)
		}
		if len(v) >= 64 {
			return nil, fmt.Errorf("header byte %d: %s: more than 64 entries", at, what)
		}
		v = append(v, u)
	}
	if err := p.delim(']', what); err != nil {
		return nil, err
	}
	if want >= 0 && len(v) != want {
		return nil, fmt.Errorf("header byte %d: %s: expected %d integers, got %d", open, what, want, len(v))
	}
	return v, nil
}
