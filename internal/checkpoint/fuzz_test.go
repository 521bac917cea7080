package checkpoint

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Decode: it must never panic, every
// error must be one line naming the file, and a file it accepts must
// re-encode to a file that decodes to the same content and re-encodes to
// the same bytes.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Encode(&b, sample())
	good := b.Bytes()
	f.Add(good)
	b.Reset()
	Encode(&b, &File{})
	f.Add(b.Bytes())
	f.Add(raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add(raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)))
	f.Add(raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))) // duplicate name
	f.Add(raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[4096,4104]}}`, make([]byte, 8)))                                                // offsets outside the file
	f.Add(raw(`{"a":{"dtype":"F32","shape":[4,3],"data_offsets":[0,32]}}`, make([]byte, 32)))                                                  // shape/data mismatch
	f.Add(raw(`{"__metadata__":{"k":"1","k":"2"}}`, nil))
	f.Add(raw(`{"W1":{"dtype":"F32","shape":[16,20],"data_offsets":[0,100]}}`, make([]byte, 100)))
	f.Add(raw(`{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}   `, make([]byte, 8)))
	f.Add(raw(`{"W1":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(binary.LittleEndian.AppendUint64(nil, math.MaxUint64))
	f.Add(good[:len(good)-1])
	f.Add(good[:20])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data, "fuzz")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "checkpoint: fuzz: ") || strings.Contains(msg, "\n") {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		var b1 bytes.Buffer
		if err := Encode(&b1, got); err != nil {
			t.Fatalf("decoded file does not encode: %v", err)
		}
		again, err := Decode(b1.Bytes(), "again")
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		equalFiles(t, again, got)
		var b2 bytes.Buffer
		Encode(&b2, again)
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatal("encoding is not canonical")
		}
	})
}
