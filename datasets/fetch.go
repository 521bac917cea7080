package datasets

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DataDir resolves the data directory: flag if non-empty, else $CCL_DATA if
// non-empty, else "ccl" under the per-user cache directory
// (os.UserCacheDir, e.g. ~/.cache/ccl). The directory is not created.
func DataDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env := os.Getenv("CCL_DATA"); env != "" {
		return env, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no data directory: no flag, CCL_DATA unset, and %v", err)
	}
	return filepath.Join(cache, "ccl"), nil
}

// Ensure makes sure the files of the named data set exist and returns the
// directory that holds them, to pass to [Load]. It looks, in order, in
//
//   - the torchvision layout under dir (MNIST/raw, FashionMNIST/raw),
//   - the data set's own directory under dir: MNIST, FashionMNIST,
//     cifar-10-batches-bin, cifar-100-binary, stl10_binary (also
//     torchvision's layout),
//   - system directories: for FashionMNIST, Debian's
//     /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist);
//
// and uses the first holding every file (found files are not checksummed).
// Otherwise it downloads the missing files into the data set's own directory
// under dir, from the official sources, verifying their MD5 (see the source
// list in datasets.go); for CIFAR and STL-10 it downloads the .tar.gz into
// dir (or uses one already there), streaming it to disk, extracts the needed
// files (for STL-10 only the four labelled-split files, not the 2.7 GB
// unlabeled_X.bin) and removes the archive it downloaded. Each file is written to a temporary file in the same directory,
// synced, and renamed, so an interrupted or corrupt download never leaves a
// file under its final name. logf (may be nil) reports what Ensure does.
func Ensure(name, dir string, logf func(string, ...any)) (string, error) {
	s, err := lookup(name)
	if err != nil {
		return "", err
	}
	return s.ensure(dir, logf)
}

// files returns the file names that must exist, for IDX the base names
// (each may be raw or .gz).
func (s *spec) files() []string {
	return append(append([]string(nil), s.trainFiles...), s.testFiles...)
}

// missing returns the files of s not present in dir.
func (s *spec) missing(dir string) []string {
	var out []string
	for _, f := range s.files() {
		if isFile(filepath.Join(dir, f)) || (s.format == formatIDX && isFile(filepath.Join(dir, f+".gz"))) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func (s *spec) ensure(dir string, logf func(string, ...any)) (string, error) {
	return s.ensureWith(dir, logf, false)
}

// ensureWith is ensure; with resume, downloads go through a partial file
// that is kept when the transfer breaks and continued (HTTP Range) by the
// next call (see downloadResumable).
func (s *spec) ensureWith(dir string, logf func(string, ...any), resume bool) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	own := filepath.Join(dir, s.subdir)
	var cands []string
	for _, a := range s.altDirs {
		cands = append(cands, filepath.Join(dir, filepath.FromSlash(a)))
	}
	cands = append(cands, own)
	cands = append(cands, s.systemDirs...)
	for _, c := range cands {
		if len(s.missing(c)) == 0 {
			logf("datasets: %s: using the files in %s", s.name, c)
			return c, nil
		}
	}
	miss := s.missing(own)
	if err := os.MkdirAll(own, 0o755); err != nil {
		return "", fmt.Errorf("datasets: %s: %s not found in %s, and cannot create a directory to download into: %v",
			s.name, miss[0], strings.Join(cands, ", "), err)
	}
	switch s.format {
	case formatIDX:
		for _, f := range miss {
			gz := f + ".gz"
			if err := download(s.mirrors, gz, s.md5[gz], filepath.Join(own, gz), logf, resume); err != nil {
				return "", fmt.Errorf("%w (to work offline, put %s or %s in %s)", err, gz, f, own)
			}
		}
	default:
		archive := filepath.Join(dir, path.Base(s.archiveURL))
		downloaded := false
		if isFile(archive) {
			sum, err := fileMD5(archive)
			if err != nil {
				return "", err
			}
			if sum != s.archiveMD5 {
				return "", &FileError{Path: archive, Offset: -1,
					Msg: fmt.Sprintf("md5: expected %s, got %s (remove it to download it again)", s.archiveMD5, sum)}
			}
			logf("datasets: %s: using the archive %s", s.name, archive)
		} else {
			base := s.archiveURL[:len(s.archiveURL)-len(path.Base(s.archiveURL))]
			if err := download([]string{base}, path.Base(s.archiveURL), s.archiveMD5, archive, logf, resume); err != nil {
				return "", fmt.Errorf("%w (to work offline, put %s in %s, or its files in %s)", err, path.Base(s.archiveURL), dir, own)
			}
			downloaded = true
		}
		want := map[string]int64{}
		for _, f := range miss {
			want[f] = s.fileSize(f)
		}
		logf("datasets: %s: extracting %d files from %s into %s", s.name, len(want), archive, own)
		if err := extractTarGz(archive, s.archivePrefix, want, own); err != nil {
			return "", err
		}
		if downloaded {
			if err := os.Remove(archive); err != nil {
				logf("datasets: %s: could not remove %s: %v", s.name, archive, err)
			}
		}
	}
	if m := s.missing(own); len(m) > 0 {
		return "", &FileError{Path: filepath.Join(own, m[0]), Offset: -1, Err: fs.ErrNotExist, Msg: "missing after download"}
	}
	return own, nil
}

// fileSize returns the expected size of a CIFAR batch or STL-10 file, or -1
// if any.
func (s *spec) fileSize(f string) int64 {
	if s.format == formatSTL10 {
		for _, set := range []struct {
			files []string
			n     int
		}{{s.trainFiles, s.trainN}, {s.testFiles, s.testN}} {
			switch {
			case set.n <= 0:
			case f == set.files[0]:
				return int64(set.n) * stlDim
			case f == set.files[1]:
				return int64(set.n)
			}
		}
		return -1
	}
	rec := int64(1 + s.c*s.h*s.w)
	if s.format == formatCIFAR100 {
		rec++
	}
	for _, set := range []struct {
		files []string
		n     int
	}{{s.trainFiles, s.trainN}, {s.testFiles, s.testN}} {
		for _, g := range set.files {
			if g == f && set.n > 0 {
				return int64(set.n/len(set.files)) * rec
			}
		}
	}
	return -1
}

func fileMD5(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", &FileError{Path: p, Offset: -1, Msg: err.Error(), Err: err}
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", &FileError{Path: p, Offset: -1, Msg: "reading: " + err.Error(), Err: err}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// httpClient fetches the archives. There is no overall timeout (the CIFAR
// archives are large) but connecting and waiting for the headers are bounded.
var httpClient = &http.Client{Transport: func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return t
}()}

// download fetches name from the first mirror that serves it into dst,
// verifying its MD5 (if wantMD5 is not empty); with resume, through a
// partial file kept across attempts (downloadResumable).
func download(mirrors []string, name, wantMD5, dst string, logf func(string, ...any), resume bool) error {
	var errs []string
	for _, m := range mirrors {
		url := m + name
		logf("datasets: downloading %s to %s", url, dst)
		var err error
		if resume {
			err = downloadResumable(url, wantMD5, dst, logf)
		} else {
			err = downloadOne(url, wantMD5, dst)
		}
		if err == nil {
			logf("datasets: %s: done, md5 verified", dst)
			return nil
		}
		logf("%v", err)
		errs = append(errs, strings.TrimPrefix(err.Error(), "datasets: "))
	}
	if len(errs) == 1 {
		return errors.New("datasets: " + errs[0])
	}
	return fmt.Errorf("datasets: %s: every mirror failed: %s", name, strings.Join(errs, "; "))
}

// downloadOne fetches url into a temporary file next to dst, checks its MD5,
// syncs it and renames it to dst. On failure nothing is left behind.
func downloadOne(url, wantMD5, dst string) (err error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return fmt.Errorf("datasets: downloading %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("datasets: downloading %s: HTTP %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return fmt.Errorf("datasets: downloading %s: %v", url, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if err != nil {
		want := ""
		if resp.ContentLength >= 0 {
			want = fmt.Sprintf(" of %d", resp.ContentLength)
		}
		return fmt.Errorf("datasets: downloading %s: interrupted after %d%s bytes: %v", url, n, want, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); wantMD5 != "" && sum != wantMD5 {
		return fmt.Errorf("datasets: downloading %s: md5: expected %s, got %s (%d bytes; discarded)", url, wantMD5, sum, n)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("datasets: writing %s: %v", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("datasets: writing %s: %v", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// syncDir makes a rename durable, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// extractTarGz extracts from a .tar.gz the regular files prefix+F for every F
// in want (F → expected size, or -1 for any) into dir/F. It rejects the whole
// archive if any entry has an absolute path, a ".." element, or is a link,
// and fails if an expected file is missing or has the wrong size. Other
// entries are skipped; of duplicate entries the first counts. Each file is
// written to a synced temporary file, and the temporary files are renamed to
// their final names only once the whole archive has been read and found
// good: a rejected archive leaves no file behind.
func extractTarGz(archive, prefix string, want map[string]int64, dir string) (err error) {
	f, err := os.Open(archive)
	if err != nil {
		return &FileError{Path: archive, Offset: -1, Msg: err.Error(), Err: err}
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return &FileError{Path: archive, Offset: -1, Msg: "gzip: " + strings.TrimPrefix(err.Error(), "gzip: "), Err: err}
	}
	tr := tar.NewReader(zr)
	done := map[string]string{} // wanted name → its temporary file
	defer func() {
		if err != nil {
			for _, tmp := range done {
				os.Remove(tmp)
			}
		}
	}()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &FileError{Path: archive, Offset: -1, Msg: "tar: " + strings.TrimPrefix(err.Error(), "archive/tar: "), Err: err}
		}
		name := hdr.Name
		if strings.HasPrefix(name, "/") || filepath.IsAbs(name) || hasDotDot(name) {
			return &FileError{Path: archive, Offset: -1,
				Msg: fmt.Sprintf("unsafe entry %q: expected a relative path without \"..\"", name)}
		}
		switch hdr.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			return &FileError{Path: archive, Offset: -1,
				Msg: fmt.Sprintf("link entry %q -> %q: expected only regular files and directories", name, hdr.Linkname)}
		case tar.TypeReg, 0: // 0: old-style regular file (TypeRegA)
			if isSparse(hdr) {
				// The reader would expand its holes: a few bytes of archive
				// could write terabytes of zeros.
				return &FileError{Path: archive, Offset: -1,
					Msg: fmt.Sprintf("sparse entry %q: expected only regular files and directories", name)}
			}
		default:
			continue
		}
		rel, ok := strings.CutPrefix(path.Clean(name), path.Clean(prefix)+"/")
		size, wanted := want[rel]
		if _, dup := done[rel]; !ok || !wanted || dup {
			continue
		}
		if size >= 0 && hdr.Size != size {
			return &FileError{Path: archive, Offset: -1,
				Msg: fmt.Sprintf("entry %q: expected %d bytes, got %d", name, size, hdr.Size)}
		}
		tmp, err := writeTemp(filepath.Join(dir, rel), tr, hdr.Size)
		if err != nil {
			return &FileError{Path: archive, Offset: -1, Msg: fmt.Sprintf("extracting %q: %v", name, err), Err: err}
		}
		done[rel] = tmp
	}
	for _, f := range slices.Sorted(maps.Keys(want)) { // sorted: the same missing entry each time
		if _, ok := done[f]; !ok {
			return &FileError{Path: archive, Offset: -1, Err: fs.ErrNotExist,
				Msg: fmt.Sprintf("missing entry %q", prefix+f)}
		}
	}
	for f, tmp := range done {
		dst := filepath.Join(dir, f)
		if err := os.Rename(tmp, dst); err != nil {
			return &FileError{Path: archive, Offset: -1, Msg: fmt.Sprintf("extracting %q: %v", prefix+f, err), Err: err}
		}
		delete(done, f) // renamed: no longer ours to remove
		syncDir(filepath.Dir(dst))
	}
	return nil
}

// isSparse reports whether a regular-file entry is a PAX-format GNU sparse
// file (archive/tar gives those the regular type and expands their holes).
func isSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

func hasDotDot(name string) bool {
	for _, e := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if e == ".." {
			return true
		}
	}
	return false
}

// writeTemp writes exactly size bytes of r to a synced temporary file next
// to dst and returns its name (the caller renames it to dst).
func writeTemp(dst string, r io.Reader, size int64) (name string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, io.LimitReader(r, size))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "", fmt.Errorf("truncated: expected %d bytes, got %d: %w", size, n, err)
	}
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("truncated: expected %d bytes, got %d", size, n)
	}
	if err = tmp.Sync(); err != nil {
		return "", err
	}
	if err = tmp.Close(); err != nil {
		return "", err
	}
	return tmp.Name(), nil
}
