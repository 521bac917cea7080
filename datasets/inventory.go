package datasets

import (
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// FileStatus is what [Inspect] found of one file of a data set.
type FileStatus struct {
	Name string `json:"name"`           // the file's name in the data set (IDX: the base name; name.gz is accepted too)
	Path string `json:"path,omitempty"` // where it was found; empty when missing
	Size int64  `json:"size"`           // its size in bytes
	OK   bool   `json:"ok"`             // present and, as far as the code knows, right
	Note string `json:"note"`           // what was checked, or what is wrong: "md5 ok", "size ok", "expected N bytes, got M", "missing"
}

// Location is one place [Ensure] looks in, and what it holds.
type Location struct {
	Dir   string       `json:"dir"`
	Kind  string       `json:"kind"` // "data directory", "torchvision layout" or "system copy"
	Files []FileStatus `json:"files"`
}

// Present returns how many of the files are in the location.
func (l *Location) Present() int {
	n := 0
	for _, f := range l.Files {
		if f.Path != "" {
			n++
		}
	}
	return n
}

// Complete reports whether every file is present and checks out.
func (l *Location) Complete() bool {
	for _, f := range l.Files {
		if !f.OK {
			return false
		}
	}
	return true
}

// Inventory is where a data set is found on this machine.
type Inventory struct {
	Name      string     `json:"name"`
	Locations []Location `json:"locations"` // every place Ensure looks in, in its order
	// Use is the directory Ensure would use (the first holding every
	// file); empty when none does and Ensure would download.
	Use string `json:"use,omitempty"`
	// Partials are partial downloads that Download would continue.
	Partials []FileStatus `json:"partials,omitempty"`
	// Archive is a downloaded .tar.gz (CIFAR, STL-10) in the data
	// directory, from which Ensure would extract the files; empty if none.
	Archive string `json:"archive,omitempty"`
	// Sources are the download URLs.
	Sources []string `json:"sources"`
}

// Inspect reports where the named data set is found, looking where
// [Ensure] looks under the data directory dir and in the system
// directories, and checks what it can of every file found: the size of raw
// files (IDX, CIFAR and STL-10 files have sizes fixed by their image
// counts), and of an IDX .gz the MD5 of the official download, or, when it
// differs (Debian re-compresses), the uncompressed size. It reads the
// files but changes nothing.
func Inspect(name, dir string) (*Inventory, error) {
	s, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return s.inspect(dir), nil
}

func (s *spec) inspect(dir string) *Inventory {
	inv := &Inventory{Name: s.name}
	own := filepath.Join(dir, s.subdir)
	var locs []Location
	for _, a := range s.altDirs {
		locs = append(locs, Location{Dir: filepath.Join(dir, filepath.FromSlash(a)), Kind: "torchvision layout"})
	}
	locs = append(locs, Location{Dir: own, Kind: "data directory"})
	for _, d := range s.systemDirs {
		locs = append(locs, Location{Dir: d, Kind: "system copy"})
	}
	for i := range locs {
		l := &locs[i]
		for _, f := range s.files() {
			l.Files = append(l.Files, s.inspectFile(l.Dir, f))
		}
		if inv.Use == "" && len(s.missing(l.Dir)) == 0 {
			inv.Use = l.Dir
		}
	}
	inv.Locations = locs
	if s.format == formatIDX {
		for _, f := range s.files() {
			inv.Sources = append(inv.Sources, s.mirrors[0]+f+".gz")
			if p := partialName(filepath.Join(own, f+".gz")); isFile(p) {
				inv.Partials = append(inv.Partials, FileStatus{Name: f + ".gz", Path: p, Size: fileSizeOf(p)})
			}
		}
	} else {
		inv.Sources = []string{s.archiveURL}
		archive := filepath.Join(dir, path.Base(s.archiveURL))
		if isFile(archive) {
			inv.Archive = archive
		}
		if p := partialName(archive); isFile(p) {
			inv.Partials = append(inv.Partials, FileStatus{Name: path.Base(s.archiveURL), Path: p, Size: fileSizeOf(p)})
		}
	}
	return inv
}

func fileSizeOf(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

// expectedSize returns the size file f of s must have (uncompressed), or -1
// when any size goes.
func (s *spec) expectedSize(f string) int64 {
	if s.format != formatIDX {
		return s.fileSize(f)
	}
	n := s.trainN
	for _, g := range s.testFiles {
		if g == f {
			n = s.testN
		}
	}
	if n <= 0 {
		return -1
	}
	if strings.Contains(f, "-images-") {
		return 16 + int64(n)*int64(s.c*s.h*s.w)
	}
	return 8 + int64(n)
}

// inspectFile finds and checks file f of s in dir.
func (s *spec) inspectFile(dir, f string) FileStatus {
	want := s.expectedSize(f)
	raw := filepath.Join(dir, f)
	if isFile(raw) {
		st := FileStatus{Name: f, Path: raw, Size: fileSizeOf(raw)}
		st.OK, st.Note = checkSize(st.Size, want)
		return st
	}
	gz := raw + ".gz"
	if s.format != formatIDX || !isFile(gz) {
		return FileStatus{Name: f, Note: "missing"}
	}
	st := FileStatus{Name: f, Path: gz, Size: fileSizeOf(gz)}
	if sum, err := fileMD5(gz); err == nil && sum == s.md5[f+".gz"] {
		st.OK, st.Note = true, "md5 ok"
		return st
	}
	n, err := gunzipSize(gz)
	if err != nil {
		st.Note = err.Error()
		return st
	}
	ok, note := checkSize(n, want)
	st.OK, st.Note = ok, "not the official download (md5 differs); uncompressed "+note
	return st
}

func checkSize(got, want int64) (bool, string) {
	switch {
	case want < 0:
		return true, "present"
	case got == want:
		return true, "size ok"
	}
	return false, fmt.Sprintf("expected %d bytes, got %d", want, got)
}

// gunzipSize returns the uncompressed size of a gzip file.
func gunzipSize(p string) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, fmt.Errorf("gzip: %s", strings.TrimPrefix(err.Error(), "gzip: "))
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		return n, fmt.Errorf("gzip: after %d bytes: %s", n, strings.TrimPrefix(err.Error(), "gzip: "))
	}
	return n, nil
}

// Download is [Ensure] for the ccl download command: it finds the named
// data set or downloads it into dir, verifying the MD5 of every download.
// A download that breaks off (network failure, Ctrl-C, a killed process) is
// kept in a partial file (".NAME.part" beside the final name) and the next
// Download continues it with an HTTP Range request, hashing what was kept
// first; the file is renamed to its final name only once complete and
// verified, and a partial file whose checksum fails is removed.
func Download(name, dir string, logf func(string, ...any)) (string, error) {
	s, err := lookup(name)
	if err != nil {
		return "", err
	}
	return s.ensureWith(dir, logf, true)
}

// partialName is the partial file of a resumable download to dst.
func partialName(dst string) string {
	return filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".part")
}

// downloadResumable fetches url to dst through partialName(dst), continuing
// a partial file left by an earlier attempt: it asks for the remaining bytes
// (Range: bytes=N-) and appends them when the server answers 206 from
// byte N, and starts over when the server sends the whole file (200) or
// the partial file is not a prefix of it. A transfer that breaks keeps the
// partial file; a checksum mismatch removes it; success renames it to dst.
func downloadResumable(url, wantMD5, dst string, logf func(string, ...any)) (err error) {
	part := partialName(dst)
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("datasets: downloading %s: %v", url, err)
	}
	keep := true // on failure, keep the partial file for the next attempt
	defer func() {
		size, _ := f.Seek(0, io.SeekEnd)
		f.Close()
		if err != nil && (!keep || size == 0) {
			os.Remove(part)
		}
	}()
	h := md5.New()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("datasets: reading %s: %v", part, err)
	}
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		if resp, err = rangeGet(url, have); err != nil {
			return err
		}
		start, restart := int64(0), false
		switch resp.StatusCode {
		case http.StatusPartialContent:
			if start, err = contentRangeStart(resp.Header.Get("Content-Range")); err != nil || start != have {
				restart = true
			}
		case http.StatusOK:
			restart = have > 0
		case http.StatusRequestedRangeNotSatisfiable:
			// The partial file is as long as the file (or longer): check it.
			if have > 0 {
				if err := hashPrefix(h, f, have); err != nil {
					return fmt.Errorf("datasets: reading %s: %v", part, err)
				}
				resp.Body.Close()
				if sum := hex.EncodeToString(h.Sum(nil)); wantMD5 == "" || sum == wantMD5 {
					return finishPartial(f, part, dst)
				}
				h.Reset()
				restart = true
				break
			}
			fallthrough
		default:
			resp.Body.Close()
			return fmt.Errorf("datasets: downloading %s: HTTP %s", url, resp.Status)
		}
		if !restart {
			break
		}
		resp.Body.Close()
		if attempt > 0 {
			return fmt.Errorf("datasets: downloading %s: the server does not continue from byte %d", url, have)
		}
		logf("datasets: %s: the server cannot continue the partial download %s at byte %d; starting over", url, part, have)
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("datasets: writing %s: %v", part, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("datasets: writing %s: %v", part, err)
		}
		have = 0
	}
	defer resp.Body.Close()
	if have > 0 {
		logf("datasets: continuing the partial download %s at byte %d", part, have)
		if err := hashPrefix(h, f, have); err != nil {
			return fmt.Errorf("datasets: reading %s: %v", part, err)
		}
	}
	var w io.Writer = io.MultiWriter(f, h)
	if resp.ContentLength > 0 && logf != nil {
		w = &progressWriter{w: w, done: have, total: have + resp.ContentLength, next: 10,
			report: func(done, total int64, pct int) {
				logf("datasets: %s: %.1f of %.1f MB (%d %%)", filepath.Base(dst), float64(done)/1e6, float64(total)/1e6, pct)
			}}
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		f.Sync()
		total := ""
		if resp.ContentLength >= 0 {
			total = fmt.Sprintf(" of %d", have+resp.ContentLength)
		}
		return fmt.Errorf("datasets: downloading %s: interrupted after %d%s bytes: %v (kept in %s; run again to continue)",
			url, have+n, total, err, part)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); wantMD5 != "" && sum != wantMD5 {
		keep = false
		return fmt.Errorf("datasets: downloading %s: md5: expected %s, got %s (%d bytes; discarded)", url, wantMD5, sum, have+n)
	}
	return finishPartial(f, part, dst)
}

// rangeGet requests url, from byte from on when from > 0.
func rangeGet(url string, from int64) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("datasets: downloading %s: %v", url, err)
	}
	if from > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("datasets: downloading %s: %v", url, err)
	}
	return resp, nil
}

// contentRangeStart returns the first byte of a "bytes A-B/N" Content-Range.
func contentRangeStart(v string) (int64, error) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, errors.New("no bytes range")
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, errors.New("malformed range")
	}
	return strconv.ParseInt(a, 10, 64)
}

// hashPrefix feeds the first n bytes of f to h and leaves f at offset n.
func hashPrefix(h hash.Hash, f *os.File, n int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.CopyN(h, f, n); err != nil {
		return err
	}
	return nil
}

// finishPartial syncs the complete partial file and renames it to dst.
func finishPartial(f *os.File, part, dst string) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("datasets: writing %s: %v", part, err)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// progressWriter passes writes to w and calls report each time the bytes
// done cross another tenth of total.
type progressWriter struct {
	w           io.Writer
	done, total int64
	next        int // next percentage to report
	report      func(done, total int64, pct int)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if pct := int(100 * p.done / p.total); pct >= p.next && p.next <= 100 {
		p.report(p.done, p.total, pct)
		p.next = pct/10*10 + 10
	}
	return n, err
}
