package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets below cover every reader of outside data in this
// package. Each asserts that nothing panics, that every error is a
// one-line *FileError naming the file it is about, and that whatever is
// accepted is consistent with the input. Their corpora of interesting
// inputs live in testdata/fuzz/<FuzzName> and are replayed by plain
// "go test"; docs/errors.md says how to run each for 10 minutes.

// checkFileError fails unless err is a one-line *FileError about one of
// paths.
func checkFileError(t *testing.T, err error, paths ...string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FileError", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Fatalf("error is not one line: %q", msg)
	}
	for _, p := range paths {
		if fe.Path == p && strings.HasPrefix(msg, "datasets: "+p+": ") {
			return
		}
	}
	t.Fatalf("error %q does not name one of %q", msg, paths)
}

// FuzzLoadIDX checks that arbitrary image and label files (raw or gzip)
// give a Dataset or a *FileError, never a panic, and that an accepted pair
// holds exactly the pixels and labels of the files.
func FuzzLoadIDX(f *testing.F) {
	f.Add(idxImages(2, 28, 28), idxLabels(2, 10))
	f.Add(idxImages(0, 28, 28), idxLabels(0, 10))
	f.Add(idxImages(2, 28, 28)[:100], idxLabels(2, 10))              // truncated pixels
	f.Add(idxImages(2, 28, 28), idxLabels(2, 10)[:9])                // truncated labels
	f.Add(idxImages(2, 28, 28), idxLabels(3, 10))                    // count mismatch
	f.Add(idxImages(2, 28, 28), append(idxLabels(1, 10), 10))        // label out of range
	f.Add(append(idxImages(1, 28, 28), 0), idxLabels(1, 10))         // trailing data
	f.Add(idxImages(1, 32, 32), idxLabels(1, 10))                    // wrong shape
	f.Add(idxLabels(2, 10), idxImages(2, 28, 28))                    // swapped: wrong magic
	f.Add(gz(f, idxImages(1, 28, 28)), gz(f, idxLabels(1, 10)))      // gzip
	f.Add(gz(f, idxImages(1, 28, 28))[:60], gz(f, idxLabels(1, 10))) // truncated gzip
	f.Add([]byte{0x1f, 0x8b}, []byte{})
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		dir := t.TempDir()
		ip, lp := filepath.Join(dir, "train-images-idx3-ubyte"), filepath.Join(dir, "train-labels-idx1-ubyte")
		os.WriteFile(ip, images, 0o644)
		os.WriteFile(lp, labels, 0o644)
		d := &Dataset{C: 1, H: 28, W: 28, Classes: 10}
		err := testIDXSpec(0, 0).loadIDX(d, dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0)
		if err != nil {
			checkFileError(t, err, ip, lp)
			return
		}
		if len(d.Images) != d.N*784 || len(d.Labels) != d.N {
			t.Fatalf("inconsistent dataset: N=%d, %d pixels, %d labels", d.N, len(d.Images), len(d.Labels))
		}
		for i, l := range d.Labels {
			if l >= 10 {
				t.Fatalf("label %d of image %d accepted", l, i)
			}
		}
		// Raw (not gzip) files must be exactly header + data.
		if !bytes.HasPrefix(images, []byte{0x1f, 0x8b}) && !bytes.Equal(images[16:], d.Images) {
			t.Fatal("pixels differ from the file's")
		}
		if !bytes.HasPrefix(labels, []byte{0x1f, 0x8b}) && !bytes.Equal(labels[8:], d.Labels) {
			t.Fatal("labels differ from the file's")
		}
	})
}

// FuzzReadCIFAR checks that arbitrary CIFAR-10 or CIFAR-100 batch files
// (the data split into two files at split) give a Dataset or a *FileError,
// never a panic, and that an accepted set holds exactly the records of the
// files, labels in range.
func FuzzReadCIFAR(f *testing.F) {
	c10 := cifarFile(3, nil, mod(10))
	c100 := cifarFile(3, mod(20), mod(100))
	f.Add(c10, false, uint32(3073))
	f.Add(c10, false, uint32(0))
	f.Add(c100, true, uint32(3074))
	f.Add(c100, true, uint32(1<<20))
	f.Add(c10[:5000], false, uint32(0))                                      // partial record
	f.Add(c100[:5000], true, uint32(3074))                                   // partial record in the 2nd file
	f.Add(cifarFile(2, nil, func(int) byte { return 10 }), false, uint32(0)) // label out of range
	f.Add(cifarFile(2, mod(20), func(int) byte { return 100 }), true, uint32(0))
	f.Add(cifarFile(2, func(int) byte { return 20 }, mod(100)), true, uint32(0)) // coarse label out of range
	f.Add(c100, false, uint32(0))                                                // CIFAR-100 file read as CIFAR-10
	f.Add([]byte{}, true, uint32(0))
	f.Fuzz(func(t *testing.T, data []byte, cifar100 bool, split uint32) {
		dir := t.TempDir()
		k := int(split % uint32(len(data)+1))
		a, b := filepath.Join(dir, "data_batch_1.bin"), filepath.Join(dir, "data_batch_2.bin")
		os.WriteFile(a, data[:k], 0o644)
		os.WriteFile(b, data[k:], 0o644)
		classes, rec := 10, 3073
		if cifar100 {
			classes, rec = 100, 3074
		}
		d, err := ReadCIFAR([]string{a, b}, classes)
		if err != nil {
			checkFileError(t, err, a, b)
			return
		}
		if d.N != len(data)/rec || d.N == 0 || len(data)%rec != 0 || len(d.Images) != d.N*3072 || len(d.Labels) != d.N ||
			d.Classes != classes || d.C != 3 || d.H != 32 || d.W != 32 {
			t.Fatalf("inconsistent dataset: N=%d %dx%dx%d classes %d from %d bytes", d.N, d.C, d.H, d.W, d.Classes, len(data))
		}
		for i := 0; i < d.N; i++ {
			r := data[i*rec : (i+1)*rec]
			if cifar100 && r[0] >= 20 {
				t.Fatalf("coarse label %d of record %d accepted", r[0], i)
			}
			if l := r[rec-3073]; d.Labels[i] != l || int(l) >= classes {
				t.Fatalf("label of record %d: %d, file has %d", i, d.Labels[i], l)
			}
			if !bytes.Equal(d.Images[i*3072:(i+1)*3072], r[rec-3072:]) {
				t.Fatalf("pixels of record %d differ from the file's", i)
			}
		}
	})
}

// FuzzReadSTL10 checks that arbitrary image and label files give a Dataset
// or a *FileError, never a panic, and that an accepted pair holds the
// file's images transposed to row-major and its labels minus one.
func FuzzReadSTL10(f *testing.F) {
	f.Add(stlX(1), stlY(1))
	f.Add(stlX(2), stlY(2))
	f.Add(stlX(2)[:30000], stlY(2)) // partial image
	f.Add(stlX(2), stlY(3))         // count mismatch
	f.Add(stlX(1), []byte{0})       // label 0 out of 1..10
	f.Add(stlX(1), []byte{11})      // label 11 out of 1..10
	f.Add([]byte{}, []byte{})       // no images
	f.Add([]byte{}, []byte{1})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		dir := t.TempDir()
		xp, yp := filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin")
		os.WriteFile(xp, x, 0o644)
		os.WriteFile(yp, y, 0o644)
		d, err := ReadSTL10(xp, yp)
		if err != nil {
			checkFileError(t, err, xp, yp)
			return
		}
		if d.N == 0 || d.N != len(x)/stlDim || len(x)%stlDim != 0 || len(d.Images) != len(x) || len(d.Labels) != d.N || d.N != len(y) {
			t.Fatalf("inconsistent dataset: N=%d from %d/%d bytes", d.N, len(x), len(y))
		}
		for i, l := range d.Labels {
			if l >= 10 || l+1 != y[i] {
				t.Fatalf("label %d of image %d, file has %d", l, i, y[i])
			}
		}
		const plane = stlSide * stlSide
		for i := 0; i < d.N; i++ {
			for c := 0; c < 3; c++ {
				for r := 0; r < stlSide; r++ {
					for col := 0; col < stlSide; col++ {
						base := i*stlDim + c*plane
						if d.Images[base+r*stlSide+col] != x[base+col*stlSide+r] {
							t.Fatalf("image %d channel %d pixel (%d,%d) not transposed from the file", i, c, r, col)
						}
					}
				}
			}
		}
	})
}

// The files FuzzExtractTarGz asks for: prefix + "/" + name → size (-1:
// any).
const fuzzPrefix = "p"

var fuzzWant = map[string]int64{"a.bin": -1, "b.bin": 4, "sub/c.bin": -1}

// buildFuzzTar builds a .tar.gz from a script, one entry per line:
//
//	TYPE SIZE NAME [LINK]
//
// TYPE is f (regular file), F (regular file whose header claims SIZE bytes
// but whose archive ends after at most len(content) of them), d
// (directory), l (symbolic link), h (hard link) or o (a FIFO); a regular
// entry's data is SIZE bytes of content, repeated. It returns the archive
// and whether the script asked for a link or an unsafe name (absolute, or
// with a ".." element) or a truncated entry; lines it cannot parse and
// entries tar.Writer refuses are skipped.
func buildFuzzTar(script string, content []byte) (archive []byte, hostile bool, entries []*tar.Header, data [][]byte) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	truncated := false
	for _, line := range strings.Split(script, "\n") {
		fields := strings.SplitN(line, " ", 4)
		if len(fields) < 3 || len(fields[0]) != 1 {
			continue
		}
		size, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || size < 0 {
			continue
		}
		h := &tar.Header{Name: fields[2], Mode: 0o644, Format: tar.FormatPAX}
		if len(fields) == 4 {
			h.Linkname = fields[3]
		}
		var body []byte
		switch fields[0][0] {
		case 'f', 'F':
			h.Typeflag, h.Size = tar.TypeReg, size
			n := size
			if fields[0] == "F" {
				n = min(size, int64(len(content)))
			} else if size > 1<<16 {
				continue
			}
			body = make([]byte, n)
			for i := range body {
				if len(content) > 0 {
					body[i] = content[i%len(content)]
				}
			}
		case 'd':
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		case 'l':
			h.Typeflag = tar.TypeSymlink
		case 'h':
			h.Typeflag = tar.TypeLink
		case 'o':
			h.Typeflag = tar.TypeFifo
		default:
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			continue
		}
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink ||
			strings.HasPrefix(h.Name, "/") || hasDotDot(h.Name) {
			hostile = true
		}
		tw.Write(body)
		entries, data = append(entries, h), append(data, body)
		if int64(len(body)) < h.Size {
			truncated, hostile = true, true
			break
		}
	}
	if !truncated {
		tw.Close()
	} else {
		tw.Flush() // the padding only; the archive ends inside the entry
	}
	zw.Close()
	return b.Bytes(), hostile, entries, data
}

// FuzzExtractTarGz extracts archives built from fuzzed entries (names with
// "..", absolute paths, symbolic and hard links, sizes larger than the
// data, duplicate names) or from fuzzed tar bytes into tmp/data, and checks
// that nothing is written outside tmp/data, that no link and no temporary
// file is left, that a rejected archive leaves none of the wanted files,
// that an accepted one gives each wanted file the data of its first entry,
// and that errors are one-line *FileErrors naming the archive.
func FuzzExtractTarGz(f *testing.F) {
	valid := "d 0 p/\nf 5 p/a.bin\nf 4 p/b.bin\nd 0 p/sub\nf 3 p/sub/c.bin\nf 2 p/readme\n"
	f.Add(valid, []byte("hello"), false)
	f.Add("f 1 p/a.bin\nf 4 p/b.bin\nf 1 p/sub/c.bin\nf 2 p/a.bin\n", []byte("xy"), false) // duplicate: first wins
	f.Add(valid+"f 1 p/../../evil\n", []byte("x"), false)
	f.Add("f 1 ../evil\n"+valid, []byte("x"), false)
	f.Add(valid+"f 1 /tmp/evil\n", []byte("x"), false)
	f.Add(valid+"f 1 p/..\\..\\evil\n", []byte("x"), false)
	f.Add("l 0 p/a.bin ../../evil\n"+valid, []byte(nil), false)
	f.Add(valid+"l 0 p/x /etc/passwd\n", []byte(nil), false)
	f.Add(valid+"h 0 p/sub/c.bin p/a.bin\n", []byte(nil), false)
	f.Add("l 0 p/sub ..\nf 4 p/b.bin\nf 1 p/a.bin\nf 1 p/sub/c.bin\n", []byte("z"), false)
	f.Add("f 1 p/a.bin\nF 1099511627776 p/b.bin\n", []byte("abcd"), false) // huge size
	f.Add("F 9223372036854775807 p/a.bin\n", []byte("abcd"), false)
	f.Add("f 5 p/a.bin\nf 3 p/b.bin\nf 1 p/sub/c.bin\n", []byte("hello"), false) // wrong size
	f.Add("o 0 p/a.bin\nf 4 p/b.bin\nf 1 p/sub/c.bin\n", []byte("hello"), false) // FIFO, then missing
	f.Add("", sparseTar("p/a.bin", 1<<40), true)                                 // a sparse file expanding to 1 TiB
	f.Add("", []byte("not a tar file at all, gzipped"), true)
	f.Add("", []byte{}, true)
	f.Fuzz(func(t *testing.T, script string, content []byte, raw bool) {
		var archive []byte
		var hostile bool
		var entries []*tar.Header
		var data [][]byte
		if raw {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(content)
			zw.Close()
			archive = b.Bytes()
		} else {
			archive, hostile, entries, data = buildFuzzTar(script, content)
		}
		tmp := t.TempDir()
		dir := filepath.Join(tmp, "data")
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		ap := filepath.Join(tmp, "archive.tar.gz")
		if err := os.WriteFile(ap, archive, 0o644); err != nil {
			t.Fatal(err)
		}
		want := make(map[string]int64, len(fuzzWant))
		for k, v := range fuzzWant {
			want[k] = v
		}
		err := extractTarGz(ap, fuzzPrefix, want, dir)

		// Nothing outside tmp/data, nothing but the wanted files in it,
		// no link anywhere.
		top, _ := os.ReadDir(tmp)
		if len(top) != 2 || top[0].Name() != "archive.tar.gz" || top[1].Name() != "data" {
			var names []string
			for _, e := range top {
				names = append(names, e.Name())
			}
			t.Fatalf("%s holds %q, want only archive.tar.gz and data (err %v)", tmp, names, err)
		}
		var files []string
		filepath.WalkDir(tmp, func(p string, e fs.DirEntry, _ error) error {
			if e == nil {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			switch {
			case e.Type()&fs.ModeSymlink != 0:
				t.Fatalf("extraction created the link %s (err %v)", p, err)
			case e.Type().IsRegular() && p != ap:
				if _, ok := want[filepath.ToSlash(rel)]; !ok {
					t.Fatalf("extraction left %s (err %v)", p, err)
				}
				files = append(files, filepath.ToSlash(rel))
			case e.IsDir() && p != tmp && p != dir && rel != "sub":
				t.Fatalf("extraction created the directory %s (err %v)", p, err)
			case !e.IsDir() && !e.Type().IsRegular():
				t.Fatalf("extraction created %s of type %v (err %v)", p, e.Type(), err)
			}
			return nil
		})

		if err != nil {
			checkFileError(t, err, ap)
			if len(files) > 0 {
				t.Fatalf("rejected archive (%v) left %q", err, files)
			}
			return
		}
		if len(files) != len(want) {
			t.Fatalf("accepted archive gave %q, want %d files", files, len(want))
		}
		if raw {
			return
		}
		if hostile {
			t.Fatalf("accepted an archive with a link, an unsafe name or a truncated entry:\n%s", script)
		}
		for name, size := range want {
			got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if size >= 0 && int64(len(got)) != size {
				t.Fatalf("%s: %d bytes, want %d", name, len(got), size)
			}
			first := -1
			for i, h := range entries {
				if h.Typeflag == tar.TypeReg && path.Clean(h.Name) == fuzzPrefix+"/"+name {
					first = i
					break
				}
			}
			if first < 0 {
				t.Fatalf("%s extracted but not in the archive", name)
			}
			if !bytes.Equal(got, data[first]) {
				t.Fatalf("%s: %q, want the first entry's %q", name, got, data[first])
			}
		}
	})
}

// sparseTar returns an (uncompressed) tar file holding one PAX-format GNU
// sparse file (version 1.0) named name, of realsize bytes, all holes.
// archive/tar cannot write one, so the PAX header is built by hand.
func sparseTar(name string, realsize int64) []byte {
	var rec string
	for _, kv := range [][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"},
		{"GNU.sparse.name", name}, {"GNU.sparse.realsize", strconv.FormatInt(realsize, 10)}} {
		r := " " + kv[0] + "=" + kv[1] + "\n"
		n := len(r) + 1
		for len(strconv.Itoa(n))+len(r) != n {
			n++
		}
		rec += strconv.Itoa(n) + r
	}
	var b bytes.Buffer
	b.Write(ustarHeader("pax", tar.TypeXHeader, len(rec)))
	b.WriteString(rec)
	b.Write(make([]byte, (512-len(rec)%512)%512))
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "sparse", Typeflag: tar.TypeReg, Size: 512, Mode: 0o644, Format: tar.FormatUSTAR})
	sparseMap := make([]byte, 512) // one data region, of 0 bytes at offset 0
	copy(sparseMap, "1\n0\n0\n")
	tw.Write(sparseMap)
	tw.Close()
	return b.Bytes()
}

// ustarHeader returns a 512-byte ustar header block.
func ustarHeader(name string, typ byte, size int) []byte {
	h := make([]byte, 512)
	copy(h, name)
	copy(h[100:], "0000644\x00")
	copy(h[108:], "0000000\x00")
	copy(h[116:], "0000000\x00")
	copy(h[124:], fmt.Sprintf("%011o\x00", size))
	copy(h[136:], "00000000000\x00")
	h[156] = typ
	copy(h[257:], "ustar\x0000")
	copy(h[148:], "        ")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	return h
}
