package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	if err := WriteFile(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Fatalf("got %q, %v", b, err)
	}
}

// A writer that fails half-way (as on a full disk) leaves the old file intact
// and no temporary file behind.
func TestFailedWriteKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ckpt")
	if err := WriteFile(p, []byte("good")); err != nil {
		t.Fatal(err)
	}
	errFull := errors.New("no space left on device")
	err := Write(p, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errFull
	})
	if !errors.Is(err, errFull) {
		t.Fatalf("err = %v, want %v", err, errFull)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "good" {
		t.Fatalf("old file changed to %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left %d entries in the directory, want 1", len(ents))
	}
}

// When the temporary file cannot be created (here: the directory does not
// exist) or the rename fails (here: the destination is a non-empty
// directory), the error names the path, the destination is untouched and
// no temporary file is left.
func TestCreateAndRenameFailures(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "ckpt")
	err := WriteFile(missing, []byte("x"))
	if err == nil || !strings.HasPrefix(err.Error(), missing+": ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}

	dst := filepath.Join(dir, "ckpt")
	if err := os.MkdirAll(filepath.Join(dst, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = WriteFile(dst, []byte("x"))
	if err == nil || !strings.HasPrefix(err.Error(), dst+": ") {
		t.Errorf("rename over a directory: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dst, "inside")); err != nil || !st.IsDir() {
		t.Errorf("destination changed: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("left %d entries in the directory, want 1", len(ents))
	}
}
