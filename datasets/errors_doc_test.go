package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/counter-current/ccl/internal/errorsdoc"
)

// archiveScenarios produce, for every "archive-" row of docs/errors.md, the
// error Ensure gives for a CIFAR-10 archive the user put in the data
// directory (its MD5 made to match, as if the official archive were
// hostile). The rows of other ids are driven by cmd/ccl's TestErrorTable.
var archiveScenarios = map[string][]tarEntry{
	"archive-dotdot":     {{name: "cifar-10-batches-bin/../../evil", typ: tar.TypeReg, data: []byte("x")}},
	"archive-absolute":   {{name: "/etc/evil", typ: tar.TypeReg, data: []byte("x")}},
	"archive-symlink":    {{name: "cifar-10-batches-bin/data_batch_1.bin", typ: tar.TypeSymlink, link: "/etc/passwd"}},
	"archive-hardlink":   {{name: "cifar-10-batches-bin/test_batch.bin", typ: tar.TypeLink, link: "/etc/passwd"}},
	"archive-wrong-size": {{name: "cifar-10-batches-bin/data_batch_1.bin", typ: tar.TypeReg, data: make([]byte, 3073)}},
	"archive-missing":    {{name: "cifar-10-batches-bin/readme.html", typ: tar.TypeReg, data: []byte("<html>")}},
	"archive-truncated":  nil, // data_batch_1.bin cut after 1000 of its 30730000 bytes
	"archive-not-gzip":   nil, // a tar file, not gzip-compressed
	"archive-sparse":     nil, // data_batch_1.bin as a sparse file of 1 TiB
}

// TestArchiveErrorTable drives the "archive-" rows of docs/errors.md like
// cmd/ccl's TestErrorTable drives the others: each scenario must fail with
// exactly the row's message (DIR standing for the data directory), on one
// line, leave no file extracted, and every scenario must have a row.
func TestArchiveErrorTable(t *testing.T) {
	rows, err := errorsdoc.Rows("../docs/errors.md", "archive-")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		id, want := row.ID, row.Message
		seen[id] = true
		entries, ok := archiveScenarios[id]
		if !ok {
			t.Errorf("docs/errors.md row %q has no scenario in this test", id)
			continue
		}
		dir := t.TempDir()
		archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
		var data []byte
		switch id {
		case "archive-truncated":
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			tw := tar.NewWriter(zw)
			tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/data_batch_1.bin", Typeflag: tar.TypeReg, Mode: 0o644, Size: 30730000})
			tw.Write(make([]byte, 1000))
			tw.Flush()
			zw.Close()
			data = buf.Bytes()
		case "archive-not-gzip":
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			tw.Close()
			data = buf.Bytes()
		case "archive-sparse":
			data = gz(t, sparseTar("cifar-10-batches-bin/data_batch_1.bin", 1<<40))
		default:
			data = tarGz(t, entries)
		}
		putFile(t, archive, data)
		s := *specs["CIFAR10"]
		s.archiveMD5 = md5hex(data)
		s.archiveURL = "http://127.0.0.1:9/kriz/cifar-10-binary.tar.gz" // never fetched: the archive is local
		_, err := s.ensure(dir, nil)
		if err == nil {
			t.Errorf("%s: no error", id)
			continue
		}
		got := strings.ReplaceAll(err.Error(), dir, "DIR")
		if got != want {
			t.Errorf("%s:\n got  %s\n want %s", id, got, want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%s: message is not one line", id)
		}
		if l := strings.Join(listDir(t, dir), " "); l != "cifar-10-batches-bin cifar-10-binary.tar.gz" {
			t.Errorf("%s: the data directory holds %s, want only the archive and an empty cifar-10-batches-bin", id, l)
		}
	}
	for id := range archiveScenarios {
		if !seen[id] {
			t.Errorf("scenario %q has no row in docs/errors.md", id)
		}
	}
}
