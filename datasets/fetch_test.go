package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestDataDir(t *testing.T) {
	t.Setenv("CCL_DATA", "/env/data")
	if d, err := DataDir("/flag/data"); err != nil || d != "/flag/data" {
		t.Errorf("flag: %q %v", d, err)
	}
	if d, err := DataDir(""); err != nil || d != "/env/data" {
		t.Errorf("env: %q %v", d, err)
	}
	t.Setenv("CCL_DATA", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg/cache")
	if d, err := DataDir(""); err != nil || d != filepath.Join("/xdg/cache", "ccl") {
		t.Errorf("cache: %q %v", d, err)
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// server serves files by URL path on loopback and records the requests. For
// a path in interrupt it announces the full length but sends only the first
// 100 bytes, then drops the connection.
type server struct {
	*httptest.Server
	mu        sync.Mutex
	files     map[string][]byte
	interrupt map[string]bool
	requests  []string
}

func newServer(t *testing.T) *server {
	s := &server{files: map[string][]byte{}, interrupt: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path)
		data, ok := s.files[r.URL.Path]
		cut := s.interrupt[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if cut {
			w.Write(data[:100])
			return // the server closes the connection: the client sees a short body
		}
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) nrequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// mnistServer serves a small MNIST-like set under /mnist/ and returns the
// spec that downloads it (first trying a mirror that answers 404).
func mnistServer(t *testing.T) (*server, *spec) {
	srv := newServer(t)
	s := testIDXSpec(5, 3)
	s.mirrors = []string{srv.URL + "/404/", srv.URL + "/mnist/"}
	s.md5 = map[string]string{}
	for name, data := range map[string][]byte{
		"train-images-idx3-ubyte.gz": gz(t, idxImages(5, 28, 28)),
		"train-labels-idx1-ubyte.gz": gz(t, idxLabels(5, 10)),
		"t10k-images-idx3-ubyte.gz":  gz(t, idxImages(3, 28, 28)),
		"t10k-labels-idx1-ubyte.gz":  gz(t, idxLabels(3, 10)),
	} {
		srv.files["/mnist/"+name] = data
		s.md5[name] = md5hex(data)
	}
	return srv, s
}

// listDir returns the names in dir (recursively, relative), sorted.
func listDir(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestEnsureDownloadIDX(t *testing.T) {
	srv, s := mnistServer(t)
	dir := t.TempDir()
	var log strings.Builder
	logf := func(f string, a ...any) { log.WriteString(fmt.Sprintf(f, a...) + "\n") }
	got, err := s.ensure(dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(dir, "MNIST") {
		t.Fatalf("Ensure returned %s", got)
	}
	train, test, err := s.load(got)
	if err != nil || train.N != 5 || test.N != 3 {
		t.Fatalf("load after download: %v", err)
	}
	if !strings.Contains(log.String(), "downloading "+srv.URL+"/mnist/train-images-idx3-ubyte.gz") ||
		!strings.Contains(log.String(), "md5 verified") || !strings.Contains(log.String(), "HTTP 404") {
		t.Errorf("log:\n%s", log.String())
	}
	want := []string{"MNIST", "MNIST/t10k-images-idx3-ubyte.gz", "MNIST/t10k-labels-idx1-ubyte.gz",
		"MNIST/train-images-idx3-ubyte.gz", "MNIST/train-labels-idx1-ubyte.gz"}
	if l := listDir(t, dir); strings.Join(l, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", l, want)
	}
	// Everything present: no request.
	n := srv.nrequests()
	if got2, err := s.ensure(dir, nil); err != nil || got2 != got || srv.nrequests() != n {
		t.Errorf("second Ensure: %s %v, %d new requests", got2, err, srv.nrequests()-n)
	}
	// One file missing: only it is fetched.
	os.Remove(filepath.Join(got, "t10k-labels-idx1-ubyte.gz"))
	if _, err := s.ensure(dir, nil); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	newReq := srv.requests[n:]
	srv.mu.Unlock()
	if strings.Join(newReq, " ") != "/404/t10k-labels-idx1-ubyte.gz /mnist/t10k-labels-idx1-ubyte.gz" {
		t.Errorf("requests for one missing file: %v", newReq)
	}
}

func TestEnsureFindsExisting(t *testing.T) {
	srv, s := mnistServer(t)
	// torchvision layout.
	dir := t.TempDir()
	writeIDXSet(t, filepath.Join(dir, "MNIST", "raw"), 5, 3, false)
	if got, err := s.ensure(dir, nil); err != nil || got != filepath.Join(dir, "MNIST", "raw") {
		t.Errorf("torchvision layout: %s %v", got, err)
	}
	// System directory.
	sys := t.TempDir()
	writeIDXSet(t, sys, 5, 3, true)
	s.systemDirs = []string{sys}
	if got, err := s.ensure(t.TempDir(), nil); err != nil || got != sys {
		t.Errorf("system dir: %s %v", got, err)
	}
	if srv.nrequests() != 0 {
		t.Errorf("%d requests, want none", srv.nrequests())
	}
}

func TestEnsureDownloadFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(srv *server, s *spec)
		want    []string
	}{
		{"checksum mismatch", func(srv *server, s *spec) {
			s.md5["t10k-images-idx3-ubyte.gz"] = "0123456789abcdef0123456789abcdef"
		}, []string{"; downloading URL/mnist/t10k-images-idx3-ubyte.gz: md5: expected 0123456789abcdef0123456789abcdef, got ", "discarded"}},
		{"interrupted", func(srv *server, s *spec) {
			srv.interrupt["/mnist/t10k-images-idx3-ubyte.gz"] = true
		}, []string{"; downloading URL/mnist/t10k-images-idx3-ubyte.gz: interrupted after 100 of ", "unexpected EOF"}},
		{"not found", func(srv *server, s *spec) {
			delete(srv.files, "/mnist/t10k-images-idx3-ubyte.gz")
		}, []string{"t10k-images-idx3-ubyte.gz: every mirror failed", "URL/mnist/t10k-images-idx3-ubyte.gz: HTTP 404 Not Found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := mnistServer(t)
			tc.prepare(srv, s)
			dir := t.TempDir()
			_, err := s.ensure(dir, nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, "(to work offline, put t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte in "+filepath.Join(dir, "MNIST")+")") {
				t.Errorf("error %q lacks the offline hint", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error not one line: %q", msg)
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "URL", srv.URL); !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, f := range listDir(t, dir) {
				if strings.Contains(f, "t10k-images") || strings.Contains(f, ".part") {
					t.Errorf("left behind: %s", f)
				}
			}
		})
	}
}

type tarEntry struct {
	name, link string
	typ        byte
	data       []byte
}

func tarGz(t *testing.T, entries []tarEntry) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.data))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write(e.data)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return b.Bytes()
}

// cifarEntries returns the archive entries of a small CIFAR-10 set
// (4 records per training batch, 3 in the test batch) plus extra files.
func cifarEntries() []tarEntry {
	es := []tarEntry{{name: "cifar-10-batches-bin/", typ: tar.TypeDir}}
	for i := 1; i <= 5; i++ {
		es = append(es, tarEntry{name: "cifar-10-batches-bin/data_batch_" + strconv.Itoa(i) + ".bin", typ: tar.TypeReg, data: cifarFile(4, nil, mod(10))})
	}
	es = append(es,
		tarEntry{name: "cifar-10-batches-bin/test_batch.bin", typ: tar.TypeReg, data: cifarFile(3, nil, mod(10))},
		tarEntry{name: "cifar-10-batches-bin/batches.meta.txt", typ: tar.TypeReg, data: []byte("airplane\n")},
		tarEntry{name: "cifar-10-batches-bin/readme.html", typ: tar.TypeReg, data: []byte("<html>")},
	)
	return es
}

func cifarServer(t *testing.T, entries []tarEntry) (*server, *spec) {
	srv := newServer(t)
	archive := tarGz(t, entries)
	srv.files["/kriz/cifar-10-binary.tar.gz"] = archive
	s := testCIFARSpec("CIFAR10", 20, 3)
	s.archiveURL = srv.URL + "/kriz/cifar-10-binary.tar.gz"
	s.archiveMD5 = md5hex(archive)
	return srv, s
}

func TestEnsureDownloadCIFAR(t *testing.T) {
	_, s := cifarServer(t, cifarEntries())
	dir := t.TempDir()
	got, err := s.ensure(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(dir, "cifar-10-batches-bin") {
		t.Fatalf("Ensure returned %s", got)
	}
	want := "cifar-10-batches-bin cifar-10-batches-bin/data_batch_1.bin cifar-10-batches-bin/data_batch_2.bin " +
		"cifar-10-batches-bin/data_batch_3.bin cifar-10-batches-bin/data_batch_4.bin cifar-10-batches-bin/data_batch_5.bin " +
		"cifar-10-batches-bin/test_batch.bin"
	if l := strings.Join(listDir(t, dir), " "); l != want {
		t.Errorf("files %s, want only the batches (archive removed, extras skipped)", l)
	}
	if train, test, err := s.load(got); err != nil || train.N != 20 || test.N != 3 {
		t.Errorf("load: %v", err)
	}
}

func TestEnsureCIFARLocalArchive(t *testing.T) {
	srv, s := cifarServer(t, cifarEntries())
	dir := t.TempDir()
	archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
	putFile(t, archive, []byte("not the archive"))
	_, err := s.ensure(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "datasets: "+archive+": md5: expected "+s.archiveMD5+", got ") {
		t.Errorf("bad local archive: %v", err)
	}
	putFile(t, archive, srv.files["/kriz/cifar-10-binary.tar.gz"])
	if _, err := s.ensure(dir, nil); err != nil {
		t.Fatal(err)
	}
	if srv.nrequests() != 0 || !isFile(archive) {
		t.Errorf("%d requests; the user's archive must be used and kept", srv.nrequests())
	}
}

func TestExtractRejectsUnsafeEntries(t *testing.T) {
	for _, tc := range []struct {
		bad  tarEntry
		want string
	}{
		{tarEntry{name: "cifar-10-batches-bin/../../evil", typ: tar.TypeReg, data: []byte("x")}, `unsafe entry "cifar-10-batches-bin/../../evil"`},
		{tarEntry{name: "../data_batch_1.bin", typ: tar.TypeReg, data: []byte("x")}, `unsafe entry "../data_batch_1.bin"`},
		{tarEntry{name: "/etc/evil", typ: tar.TypeReg, data: []byte("x")}, `unsafe entry "/etc/evil"`},
		{tarEntry{name: "cifar-10-batches-bin/data_batch_1.bin", typ: tar.TypeSymlink, link: "/etc/passwd"}, `link entry "cifar-10-batches-bin/data_batch_1.bin" -> "/etc/passwd"`},
		{tarEntry{name: "cifar-10-batches-bin/x", typ: tar.TypeLink, link: "cifar-10-batches-bin/test_batch.bin"}, `link entry "cifar-10-batches-bin/x" -> "cifar-10-batches-bin/test_batch.bin"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			entries := append([]tarEntry{tc.bad}, cifarEntries()...)
			_, s := cifarServer(t, entries)
			dir := t.TempDir()
			_, err := s.ensure(dir, nil)
			archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
			if err == nil || err.Error() != "datasets: "+archive+": "+tc.want+": expected "+
				map[bool]string{true: "only regular files and directories", false: `a relative path without ".."`}[tc.bad.typ != tar.TypeReg] {
				t.Errorf("error %v", err)
			}
			for _, f := range listDir(t, dir) {
				if strings.HasSuffix(f, ".bin") || strings.Contains(f, "evil") {
					t.Errorf("extracted %s from a rejected archive", f)
				}
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Error("wrote outside the directory")
			}
		})
	}
}

func TestExtractMissingOrWrongSizeEntry(t *testing.T) {
	es := cifarEntries()
	_, s := cifarServer(t, append(es[:3:3], es[4:]...)) // no data_batch_3
	_, err := s.ensure(t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), `missing entry "cifar-10-batches-bin/data_batch_3.bin"`) {
		t.Errorf("missing entry: %v", err)
	}
	es = cifarEntries()
	es[2].data = es[2].data[:100]
	_, s = cifarServer(t, es)
	_, err = s.ensure(t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), `entry "cifar-10-batches-bin/data_batch_2.bin": expected 12292 bytes, got 100`) {
		t.Errorf("short entry: %v", err)
	}
}

func TestEnsureCIFARArchiveFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(srv *server, s *spec)
		want    string
	}{
		{"checksum mismatch", func(srv *server, s *spec) { s.archiveMD5 = "00000000000000000000000000000000" },
			"cifar-10-binary.tar.gz: md5: expected 00000000000000000000000000000000, got "},
		{"interrupted", func(srv *server, s *spec) { srv.interrupt["/kriz/cifar-10-binary.tar.gz"] = true },
			"cifar-10-binary.tar.gz: interrupted after 100 of "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := cifarServer(t, cifarEntries())
			tc.prepare(srv, s)
			dir := t.TempDir()
			_, err := s.ensure(dir, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "datasets: downloading "+srv.URL+"/kriz/") ||
				!strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "(to work offline, put cifar-10-binary.tar.gz in "+dir) {
				t.Errorf("error %v", err)
			}
			if l := strings.Join(listDir(t, dir), " "); l != "cifar-10-batches-bin" {
				t.Errorf("left behind: %s", l)
			}
		})
	}
}
