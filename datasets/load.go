package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// IDX magic numbers: two zero bytes, type 0x08 (unsigned byte), number of
// dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// maxImages bounds the image count a header may announce when the expected
// count is not fixed, so that a corrupt header cannot ask for terabytes.
const maxImages = 1 << 24

// Load returns the official train and test splits of the named data set,
// reading them from dir, the directory holding the data set's files as
// returned by [Ensure] (for MNIST and FashionMNIST the four IDX files, each
// gzip-compressed as NAME.gz or raw as NAME; for CIFAR10 the files of
// cifar-10-batches-bin; for CIFAR100 train.bin and test.bin; for STL10
// train_X.bin, train_y.bin, test_X.bin and test_y.bin). Every problem
// with a file is a [*FileError].
func Load(name, dir string) (train, test *Dataset, err error) {
	s, err := lookup(name)
	if err != nil {
		return nil, nil, err
	}
	return s.load(dir)
}

// load reads both splits, the test split on another goroutine (decompressing
// is the bulk of the work); a training-split error is reported first.
func (s *spec) load(dir string) (train, test *Dataset, err error) {
	var testErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		test, testErr = s.loadSplit(dir, s.testFiles, s.testN)
	}()
	train, err = s.loadSplit(dir, s.trainFiles, s.trainN)
	<-done
	if err == nil {
		err = testErr
	}
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func (s *spec) loadSplit(dir string, files []string, n int) (*Dataset, error) {
	d := &Dataset{Name: s.name, C: s.c, H: s.h, W: s.w, Classes: s.classes}
	var err error
	switch s.format {
	case formatIDX:
		err = s.loadIDX(d, dir, files[0], files[1], n)
	case formatSTL10:
		err = loadSTL(d, filepath.Join(dir, files[0]), filepath.Join(dir, files[1]), n)
	default:
		err = s.loadCIFAR(d, dir, files, n)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// openIDX opens dir/base, or dir/base.gz when the raw file does not exist,
// and returns a reader of the uncompressed content (gzip is recognised by
// its magic bytes, whatever the name).
func openIDX(dir, base string) (path string, r io.Reader, closer func() error, err error) {
	path = filepath.Join(dir, base)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		path += ".gz"
		f, err = os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil, nil, &FileError{Path: path, Offset: -1, Err: err,
				Msg: fmt.Sprintf("missing: expected this file or the uncompressed %s", filepath.Join(dir, base))}
		}
	}
	if err != nil {
		return path, nil, nil, &FileError{Path: path, Offset: -1, Msg: err.Error(), Err: err}
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return path, nil, nil, &FileError{Path: path, Offset: -1, Msg: "gzip: " + strings.TrimPrefix(err.Error(), "gzip: "), Err: err}
		}
		return path, zr, f.Close, nil
	}
	return path, br, f.Close, nil
}

// countingReader counts the bytes read so far (the offset in the
// uncompressed stream).
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readErr turns a read error at offset off while reading what into a FileError.
func readErr(path string, off int64, what string, want, got int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FileError{Path: path, Offset: off, Err: err,
			Msg: fmt.Sprintf("truncated: expected %d bytes of %s, got %d", want, what, got)}
	}
	return &FileError{Path: path, Offset: off + got, Err: err, Msg: fmt.Sprintf("reading %s: %v", what, err)}
}

// expectEOF checks that nothing follows the data (which, for gzip, also
// verifies the stream's CRC).
func expectEOF(path string, cr *countingReader, what string) error {
	var b [1]byte
	off := cr.n
	n, err := io.ReadFull(cr, b[:])
	if n > 0 {
		return &FileError{Path: path, Offset: off, Msg: fmt.Sprintf("trailing data: expected end of file after the %s", what)}
	}
	if err != nil && err != io.EOF {
		return &FileError{Path: path, Offset: off, Err: err, Msg: fmt.Sprintf("after the %s: %v", what, err)}
	}
	return nil
}

// readN reads exactly n bytes. If trusted (n is the expected size, not just
// what a header claims), the buffer is allocated at once; otherwise it grows
// as data arrives, so a corrupt header cannot make it allocate more than the
// file holds. On error it returns what was read and io.ErrUnexpectedEOF (or
// the read error).
func readN(r io.Reader, n int64, trusted bool) ([]byte, error) {
	const chunk = 16 << 20
	c := n
	if !trusted {
		c = min(n, chunk)
	}
	buf := make([]byte, 0, c)
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(n, 2*int64(cap(buf)))-int64(len(buf))))
		}
		m, err := r.Read(buf[len(buf):min(int64(cap(buf)), n)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return buf, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readHeader reads the big-endian 32-bit magic and dims of an IDX file and
// checks the magic.
func readHeader(path string, cr *countingReader, magic uint32, ndims int) ([]uint32, error) {
	buf := make([]byte, 4*(1+ndims))
	n, err := io.ReadFull(cr, buf)
	if n >= 4 { // the magic first: a wrong file is more likely than a short one
		if m := binary.BigEndian.Uint32(buf); m != magic {
			return nil, &FileError{Path: path, Offset: 0,
				Msg: fmt.Sprintf("magic: expected 0x%08x, got 0x%08x", magic, m)}
		}
	}
	if err != nil {
		return nil, readErr(path, 0, "header", int64(len(buf)), int64(n), err)
	}
	dims := make([]uint32, ndims)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(buf[4*(i+1):])
	}
	return dims, nil
}

// loadIDX reads an image and a label IDX file into d.
func (s *spec) loadIDX(d *Dataset, dir, imagesBase, labelsBase string, wantN int) error {
	// Images.
	path, r, closeFn, err := openIDX(dir, imagesBase)
	if err != nil {
		return err
	}
	defer closeFn()
	cr := &countingReader{r: r}
	dims, err := readHeader(path, cr, idxImagesMagic, 3)
	if err != nil {
		return err
	}
	n := int64(dims[0])
	switch {
	case wantN > 0 && n != int64(wantN):
		return &FileError{Path: path, Offset: 4, Msg: fmt.Sprintf("image count: expected %d, got %d", wantN, n)}
	case n > maxImages:
		return &FileError{Path: path, Offset: 4, Msg: fmt.Sprintf("image count: expected at most %d, got %d", maxImages, n)}
	}
	if int(dims[1]) != s.h {
		return &FileError{Path: path, Offset: 8, Msg: fmt.Sprintf("rows: expected %d, got %d", s.h, dims[1])}
	}
	if int(dims[2]) != s.w {
		return &FileError{Path: path, Offset: 12, Msg: fmt.Sprintf("columns: expected %d, got %d", s.w, dims[2])}
	}
	d.N = int(n)
	want := n * int64(d.Dim())
	if d.Images, err = readN(cr, want, wantN > 0); err != nil {
		return readErr(path, 16, "pixels", want, int64(len(d.Images)), err)
	}
	if err := expectEOF(path, cr, fmt.Sprintf("%d images", n)); err != nil {
		return err
	}
	imagesPath := path

	// Labels.
	path, r, closeFn2, err := openIDX(dir, labelsBase)
	if err != nil {
		return err
	}
	defer closeFn2()
	cr = &countingReader{r: r}
	dims, err = readHeader(path, cr, idxLabelsMagic, 1)
	if err != nil {
		return err
	}
	if int64(dims[0]) != n {
		if wantN > 0 {
			return &FileError{Path: path, Offset: 4, Msg: fmt.Sprintf("label count: expected %d, got %d", wantN, dims[0])}
		}
		return &FileError{Path: path, Offset: 4, Msg: fmt.Sprintf("label count: expected %d (the image count of %s), got %d",
			n, filepath.Base(imagesPath), dims[0])}
	}
	if d.Labels, err = readN(cr, n, true); err != nil {
		return readErr(path, 8, "labels", n, int64(len(d.Labels)), err)
	}
	for i, l := range d.Labels {
		if int(l) >= s.classes {
			return &FileError{Path: path, Offset: 8 + int64(i),
				Msg: fmt.Sprintf("label of image %d: expected 0..%d, got %d", i, s.classes-1, l)}
		}
	}
	return expectEOF(path, cr, fmt.Sprintf("%d labels", n))
}

// loadCIFAR reads CIFAR binary batch files (records concatenated in file
// order) into d. Each file must hold wantN/len(files) records when wantN > 0.
func (s *spec) loadCIFAR(d *Dataset, dir string, files []string, wantN int) error {
	dim := d.Dim()
	nlab := 1
	if s.format == formatCIFAR100 {
		nlab = 2
	}
	rec := int64(nlab + dim)
	perFile := 0
	if wantN > 0 {
		perFile = wantN / len(files)
	}
	// First pass: sizes, so that everything is allocated once.
	sizes := make([]int64, len(files))
	total := 0
	for i, f := range files {
		path := filepath.Join(dir, f)
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return &FileError{Path: path, Offset: -1, Err: err,
				Msg: fmt.Sprintf("missing: expected the %s batch file here", s.name)}
		}
		if err != nil {
			return &FileError{Path: path, Offset: -1, Msg: err.Error(), Err: err}
		}
		size := st.Size()
		switch {
		case perFile > 0 && size < int64(perFile)*rec:
			return &FileError{Path: path, Offset: size,
				Msg: fmt.Sprintf("truncated: expected %d records of %d bytes (%d bytes), got %d bytes", perFile, rec, int64(perFile)*rec, size)}
		case perFile > 0 && size > int64(perFile)*rec:
			return &FileError{Path: path, Offset: int64(perFile) * rec,
				Msg: fmt.Sprintf("trailing data: expected %d records of %d bytes (%d bytes), got %d bytes", perFile, rec, int64(perFile)*rec, size)}
		case size%rec != 0:
			return &FileError{Path: path, Offset: size - size%rec,
				Msg: fmt.Sprintf("truncated record: expected a multiple of %d bytes, got %d bytes", rec, size)}
		case size/rec > maxImages:
			return &FileError{Path: path, Offset: -1,
				Msg: fmt.Sprintf("too large: expected at most %d records, got %d", maxImages, size/rec)}
		}
		sizes[i] = size
		total += int(size / rec)
	}
	d.N = total
	d.Images = make([]uint8, total*dim)
	d.Labels = make([]uint8, total)
	buf := make([]byte, 1<<20-(1<<20)%int(rec)) // whole records
	k := 0
	for i, f := range files {
		path := filepath.Join(dir, f)
		fh, err := os.Open(path)
		if err != nil {
			return &FileError{Path: path, Offset: -1, Msg: err.Error(), Err: err}
		}
		var off int64
		for off < sizes[i] {
			chunk := buf[:min(int64(len(buf)), sizes[i]-off)]
			if got, err := io.ReadFull(fh, chunk); err != nil {
				fh.Close()
				return readErr(path, off, "records", int64(len(chunk)), int64(got), err)
			}
			for p := 0; p < len(chunk); p += int(rec) {
				r := chunk[p : p+int(rec)]
				roff := off + int64(p)
				if nlab == 2 && r[0] >= 20 {
					fh.Close()
					return &FileError{Path: path, Offset: roff,
						Msg: fmt.Sprintf("coarse label of record %d: expected 0..19, got %d", roff/rec, r[0])}
				}
				if l := r[nlab-1]; int(l) >= s.classes {
					fh.Close()
					return &FileError{Path: path, Offset: roff + int64(nlab-1),
						Msg: fmt.Sprintf("label of record %d: expected 0..%d, got %d", roff/rec, s.classes-1, l)}
				}
				d.Labels[k] = r[nlab-1]
				copy(d.Images[k*dim:(k+1)*dim], r[nlab:])
				k++
			}
			off += int64(len(chunk))
		}
		fh.Close()
	}
	return nil
}
