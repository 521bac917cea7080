package datasets

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rangeServer serves one file at /f with http.ServeContent (which honours
// Range requests), recording each request's Range header. cut > 0 makes the
// next request announce the whole length but send only cut bytes and drop
// the connection; noRange makes the server ignore Range headers.
type rangeServer struct {
	*httptest.Server
	mu      sync.Mutex
	data    []byte
	cut     int
	noRange bool
	ranges  []string
}

func newRangeServer(t *testing.T, data []byte) *rangeServer {
	s := &rangeServer{data: data}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		cut, noRange := s.cut, s.noRange
		s.cut = 0
		s.mu.Unlock()
		if cut > 0 {
			w.Header().Set("Content-Length", strconv.Itoa(len(s.data)))
			w.Write(s.data[:cut])
			return
		}
		if noRange {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(s.data))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rangeServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// An interrupted download keeps its partial file and no file under the
// final name; the next attempt asks for the rest only and the result is
// the whole file, checksummed.
func TestDownloadResume(t *testing.T) {
	data := testData(50000)
	srv := newRangeServer(t, data)
	dir := t.TempDir()
	dst := filepath.Join(dir, "f.gz")
	part := partialName(dst)
	var log strings.Builder
	logf := func(f string, a ...any) { log.WriteString(fmt.Sprintf(f, a...) + "\n") }
	srv.cut = 12345
	err := downloadResumable(srv.URL+"/f", md5hex(data), dst, logf)
	if err == nil || !strings.Contains(err.Error(), "interrupted after 12345 of 50000 bytes") ||
		!strings.Contains(err.Error(), "kept in "+part+"; run again to continue") {
		t.Fatalf("interrupted download: %v", err)
	}
	if isFile(dst) {
		t.Fatal("a half-written file under the final name")
	}
	if b, _ := os.ReadFile(part); !bytes.Equal(b, data[:12345]) {
		t.Fatalf("partial file holds %d bytes, want the first 12345", len(b))
	}
	if err := downloadResumable(srv.URL+"/f", md5hex(data), dst, logf); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
		t.Fatal("resumed file differs from the served one")
	}
	if isFile(part) {
		t.Error("partial file left after success")
	}
	if got := strings.Join(srv.requests(), "|"); got != "|bytes=12345-" {
		t.Errorf("Range headers %q, want none then bytes=12345-", got)
	}
	if !strings.Contains(log.String(), "continuing the partial download "+part+" at byte 12345") ||
		!strings.Contains(log.String(), "f.gz: 0.1 of 0.1 MB (100 %)") {
		t.Errorf("log:\n%s", log.String())
	}
}

// A server that ignores Range sends the whole file again: the partial file
// is replaced, not appended to.
func TestDownloadResumeServerWithoutRanges(t *testing.T) {
	data := testData(30000)
	srv := newRangeServer(t, data)
	srv.noRange = true
	dst := filepath.Join(t.TempDir(), "f.gz")
	os.WriteFile(partialName(dst), data[:1000], 0o644)
	if err := downloadResumable(srv.URL+"/f", md5hex(data), dst, nolog); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
		t.Fatal("file differs from the served one")
	}
}

func nolog(string, ...any) {}

// A partial file that is not a prefix of the file fails the checksum: it is
// discarded (no final file), and the next attempt downloads afresh.
func TestDownloadResumeCorruptPartial(t *testing.T) {
	data := testData(30000)
	srv := newRangeServer(t, data)
	dst := filepath.Join(t.TempDir(), "f.gz")
	part := partialName(dst)
	os.WriteFile(part, bytes.Repeat([]byte{0xff}, 1000), 0o644)
	err := downloadResumable(srv.URL+"/f", md5hex(data), dst, nolog)
	if err == nil || !strings.Contains(err.Error(), "md5: expected "+md5hex(data)) || !strings.Contains(err.Error(), "discarded") {
		t.Fatalf("corrupt partial: %v", err)
	}
	if isFile(part) || isFile(dst) {
		t.Fatal("corrupt data left behind")
	}
	if err := downloadResumable(srv.URL+"/f", md5hex(data), dst, nolog); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
		t.Fatal("file differs from the served one")
	}
}

// A partial file already complete (the process died before the rename):
// the server answers 416 to the range, the file is checked and renamed.
func TestDownloadResumeCompletePartial(t *testing.T) {
	data := testData(20000)
	srv := newRangeServer(t, data)
	dst := filepath.Join(t.TempDir(), "f.gz")
	os.WriteFile(partialName(dst), data, 0o644)
	if err := downloadResumable(srv.URL+"/f", md5hex(data), dst, nolog); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
		t.Fatal("file differs from the served one")
	}
	if got := strings.Join(srv.requests(), "|"); got != "bytes=20000-" {
		t.Errorf("requests %q", got)
	}
}

// Download (through ensureWith) resumes an interrupted IDX file, and
// Inspect reports the partial file, then the complete set.
func TestDownloadAndInspect(t *testing.T) {
	srv, s := mnistServer(t)
	srv.interrupt["/mnist/t10k-images-idx3-ubyte.gz"] = true
	s.mirrors = s.mirrors[1:] // only the working mirror
	dir := t.TempDir()
	if _, err := s.ensureWith(dir, nil, true); err == nil || !strings.Contains(err.Error(), "run again to continue") {
		t.Fatalf("interrupted: %v", err)
	}
	inv := s.inspect(dir)
	if inv.Use != "" || len(inv.Partials) != 1 || inv.Partials[0].Name != "t10k-images-idx3-ubyte.gz" || inv.Partials[0].Size != 100 {
		t.Fatalf("inventory after the interruption: %+v", inv)
	}
	own := inv.Locations[1]
	if own.Dir != filepath.Join(dir, "MNIST") || own.Present() != 2 || own.Complete() {
		t.Errorf("data directory: %+v", own)
	}
	// The interrupting server sends whole files (200) to range requests:
	// the download starts over and completes.
	srv.mu.Lock()
	srv.interrupt = map[string]bool{}
	srv.mu.Unlock()
	got, err := s.ensureWith(dir, nil, true)
	if err != nil || got != filepath.Join(dir, "MNIST") {
		t.Fatalf("second attempt: %s %v", got, err)
	}
	inv = s.inspect(dir)
	if inv.Use != got || len(inv.Partials) != 0 || !inv.Locations[1].Complete() {
		t.Fatalf("inventory after the download: %+v", inv)
	}
	for _, f := range inv.Locations[1].Files {
		if f.Note != "md5 ok" {
			t.Errorf("%s: %s", f.Name, f.Note)
		}
	}
	if inv.Locations[0].Present() != 0 || inv.Locations[0].Kind != "torchvision layout" {
		t.Errorf("torchvision location: %+v", inv.Locations[0])
	}
	// A raw file of the wrong size, and a re-compressed file, are told apart.
	raw := filepath.Join(got, "train-labels-idx1-ubyte")
	os.WriteFile(raw, idxLabels(4, 10), 0o644)
	var re bytes.Buffer // the same content, gzip-ed with another header
	zw := gzip.NewWriter(&re)
	zw.Name = "t10k-labels-idx1-ubyte"
	zw.Write(idxLabels(3, 10))
	zw.Close()
	os.WriteFile(filepath.Join(got, "t10k-labels-idx1-ubyte.gz"), re.Bytes(), 0o644)
	inv = s.inspect(dir)
	byName := map[string]FileStatus{}
	for _, f := range inv.Locations[1].Files {
		byName[f.Name] = f
	}
	if f := byName["train-labels-idx1-ubyte"]; f.OK || f.Path != raw || f.Note != "expected 13 bytes, got 12" {
		t.Errorf("short raw file: %+v", f)
	}
	if f := byName["t10k-labels-idx1-ubyte"]; !f.OK || !strings.Contains(f.Note, "md5 differs") {
		t.Errorf("re-compressed file: %+v", f)
	}
}

func TestInspectKnownSets(t *testing.T) {
	dir := t.TempDir()
	for _, name := range Names() {
		inv, err := Inspect(name, dir)
		if err != nil || inv.Name != name || len(inv.Sources) == 0 {
			t.Errorf("%s: %+v %v", name, inv, err)
		}
	}
	if _, err := Inspect("SVHN", dir); err == nil || !strings.Contains(err.Error(), "known: ") {
		t.Errorf("unknown set: %v", err)
	}
}
