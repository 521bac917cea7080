package datasets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// STL-10 binary format (stl10_binary/README in the official archive, and
// torchvision's datasets/stl10.py): X files are images of 3×96×96 bytes
// back to back, each channel-major and, within a channel, COLUMN-major
// (Fortran order: byte x·96 + y of a channel is the pixel at row y, column
// x; torchvision reshapes to (−1, 3, 96, 96) and transposes the last two
// axes). y files hold one byte per image, the class 1..10. The reader
// stores images row-major (CHW) like every other Dataset, and labels 0..9.
const (
	stlSide = 96
	stlDim  = 3 * stlSide * stlSide
)

// ReadCIFAR reads CIFAR binary batch files holding any whole number of
// records each (the official files hold 10000; [Load] insists on that), for
// example small generated files for tests and CI. classes is 10 (records of
// 1 label byte + 3072 pixel bytes) or 100 (coarse label, fine label, 3072
// pixel bytes; the fine label is kept). The records of all files are
// concatenated in order into one 3×32×32 Dataset named "CIFAR10" or
// "CIFAR100". A partial record, a label out of range, or no record at all is
// a [*FileError].
func ReadCIFAR(paths []string, classes int) (*Dataset, error) {
	var s *spec
	switch classes {
	case 10:
		s = specs["CIFAR10"]
	case 100:
		s = specs["CIFAR100"]
	default:
		return nil, fmt.Errorf("datasets: ReadCIFAR: classes %d: expected 10 or 100", classes)
	}
	if len(paths) == 0 {
		return nil, errors.New("datasets: ReadCIFAR: no files")
	}
	d := &Dataset{Name: s.name, C: s.c, H: s.h, W: s.w, Classes: s.classes}
	if err := s.loadCIFAR(d, "", paths, 0); err != nil {
		return nil, err
	}
	if d.N == 0 {
		return nil, &FileError{Path: paths[len(paths)-1], Offset: 0, Msg: "no records: expected at least one"}
	}
	return d, nil
}

// ReadSTL10 reads an STL-10 image file (e.g. train_X.bin) and its label
// file (train_y.bin) holding any number of images, at least one (the
// official files hold 5000 and 8000; [Load] insists on that). A partial
// image, a label count that differs from the image count, or a label
// outside 1..10 is a [*FileError].
func ReadSTL10(xPath, yPath string) (*Dataset, error) {
	s := specs["STL10"]
	d := &Dataset{Name: s.name, C: s.c, H: s.h, W: s.w, Classes: s.classes}
	if err := loadSTL(d, xPath, yPath, 0); err != nil {
		return nil, err
	}
	return d, nil
}

// loadSTL reads an STL-10 X/y pair into d; wantN > 0 fixes the image count.
func loadSTL(d *Dataset, xPath, yPath string, wantN int) error {
	stat := func(p, what string) (int64, error) {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, &FileError{Path: p, Offset: -1, Err: err, Msg: "missing: expected the STL-10 " + what + " file here"}
		}
		if err != nil {
			return 0, &FileError{Path: p, Offset: -1, Msg: err.Error(), Err: err}
		}
		return st.Size(), nil
	}
	xSize, err := stat(xPath, "image")
	if err != nil {
		return err
	}
	ySize, err := stat(yPath, "label")
	if err != nil {
		return err
	}
	want := int64(wantN) * stlDim
	switch {
	case wantN > 0 && xSize < want:
		return &FileError{Path: xPath, Offset: xSize,
			Msg: fmt.Sprintf("truncated: expected %d images of %d bytes (%d bytes), got %d bytes", wantN, stlDim, want, xSize)}
	case wantN > 0 && xSize > want:
		return &FileError{Path: xPath, Offset: want,
			Msg: fmt.Sprintf("trailing data: expected %d images of %d bytes (%d bytes), got %d bytes", wantN, stlDim, want, xSize)}
	case xSize%stlDim != 0:
		return &FileError{Path: xPath, Offset: xSize - xSize%stlDim,
			Msg: fmt.Sprintf("truncated image: expected a multiple of %d bytes, got %d bytes", stlDim, xSize)}
	case xSize == 0:
		return &FileError{Path: xPath, Offset: 0, Msg: "no images: expected at least one"}
	case xSize/stlDim > maxImages:
		return &FileError{Path: xPath, Offset: -1,
			Msg: fmt.Sprintf("too large: expected at most %d images, got %d", maxImages, xSize/stlDim)}
	}
	n := xSize / stlDim
	if ySize != n {
		return &FileError{Path: yPath, Offset: min(ySize, n),
			Msg: fmt.Sprintf("label count: expected %d (the image count of %s), got %d", n, filepath.Base(xPath), ySize)}
	}

	// Labels first: small, and a wrong file is found before reading 138 MB.
	labels, err := os.ReadFile(yPath)
	if err != nil {
		return &FileError{Path: yPath, Offset: -1, Msg: err.Error(), Err: err}
	}
	if int64(len(labels)) != n {
		return &FileError{Path: yPath, Offset: int64(len(labels)),
			Msg: fmt.Sprintf("label count: expected %d, got %d (the file changed while read)", n, len(labels))}
	}
	for i, l := range labels {
		if l < 1 || l > 10 {
			return &FileError{Path: yPath, Offset: int64(i),
				Msg: fmt.Sprintf("label of image %d: expected 1..10, got %d", i, l)}
		}
		labels[i] = l - 1
	}

	f, err := os.Open(xPath)
	if err != nil {
		return &FileError{Path: xPath, Offset: -1, Msg: err.Error(), Err: err}
	}
	defer f.Close()
	images := make([]uint8, n*stlDim)
	buf := make([]byte, 64*stlDim) // whole images
	for k := int64(0); k < n; {
		chunk := buf[:min(int64(len(buf)), (n-k)*stlDim)]
		off := k * stlDim
		if got, err := io.ReadFull(f, chunk); err != nil {
			return readErr(xPath, off, "images", int64(len(chunk)), int64(got), err)
		}
		for p := 0; p < len(chunk); p += stlDim {
			stlToCHW(images[(k*stlDim):(k+1)*stlDim], chunk[p:p+stlDim])
			k++
		}
	}
	d.N = int(n)
	d.Images = images
	d.Labels = labels
	return nil
}

// stlToCHW converts one image from the file's column-major channels to
// row-major ones.
func stlToCHW(dst, src []uint8) {
	const plane = stlSide * stlSide
	for c := 0; c < 3; c++ {
		s := src[c*plane : (c+1)*plane]
		d := dst[c*plane : (c+1)*plane]
		for x := 0; x < stlSide; x++ {
			col := s[x*stlSide : (x+1)*stlSide]
			for y, v := range col {
				d[y*stlSide+x] = v
			}
		}
	}
}
