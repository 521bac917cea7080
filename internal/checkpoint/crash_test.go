//go:build linux

package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run a copy of the test binary as a child process
// (TestHelperProcess, selected by the environment variable helperEnv) that
// saves checkpoints, and kill it or limit its file size.

const helperEnv = "CCL_CHECKPOINT_HELPER"

// crashVersions is the number of distinct checkpoints the child cycles
// through.
const crashVersions = 3

// crashVersion returns checkpoint version k: 1 Mi float32 values (4 MiB,
// so that a save takes long enough to be interrupted) all derived from k,
// an I64 step counter and metadata naming the version.
func crashVersion(k int) *File {
	w := make([]float32, 1<<20)
	for i := range w {
		w[i] = float32(k*1000003+i) * 0.5
	}
	return &File{
		Tensors: []Tensor{
			{Name: "W1", Shape: []int{1024, 1024}, F32: w},
			{Name: "step", Shape: []int{}, I64: []int64{int64(k)}},
		},
		Metadata: map[string]string{"version": strconv.Itoa(k)},
	}
}

// TestHelperProcess is not a test: run by the tests below as a child
// process, it does what $CCL_CHECKPOINT_HELPER says with the checkpoint
// path in $CCL_CHECKPOINT_PATH and never returns.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return // an ordinary run: nothing to do
	}
	path := os.Getenv("CCL_CHECKPOINT_PATH")
	switch mode {
	case "save-forever":
		// Save the versions in turn, for ever; the parent kills us.
		files := make([]*File, crashVersions)
		for k := range files {
			files[k] = crashVersion(k)
		}
		fmt.Println("ready")
		for i := 1; ; i++ {
			t0 := time.Now()
			if err := Write(path, files[i%crashVersions]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			if i == 1 {
				// How long a save takes here (much longer under the race
				// detector): the parent times its kills by it.
				fmt.Printf("saved %d\n", time.Since(t0).Nanoseconds())
			}
		}
	case "save-fsize":
		// Save once with a file-size limit smaller than the checkpoint, as
		// on a full disk: the write fails with EFBIG.
		signal.Ignore(syscall.SIGXFSZ)
		lim := &syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			os.Exit(2)
		}
		err := Write(path, crashVersion(1))
		fmt.Println(err)
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	os.Exit(2)
}

// helper returns a command running TestHelperProcess in mode on path.
func helper(mode, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "CCL_CHECKPOINT_PATH="+path)
	return cmd
}

// TestKillWhileSaving kills, 30 times at pseudo-random moments, a process
// that saves checkpoints to one path without pause, and checks after each
// kill that the file at the path reads and is exactly one of the versions
// written, and that a save still succeeds despite the temporary files the
// killed process left.
func TestKillWhileSaving(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	sums := map[[32]byte]int{}
	for k := 0; k < crashVersions; k++ {
		var b bytes.Buffer
		if err := Encode(&b, crashVersion(k)); err != nil {
			t.Fatal(err)
		}
		sums[sha256.Sum256(b.Bytes())] = k
	}
	if err := Write(path, crashVersion(0)); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(7, 30))
	const kills = 30
	seen := map[int]int{}
	midWrite, leftover := 0, 0
	for i := 0; i < kills; i++ {
		cmd := helper("save-forever", path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for "ready" (the child has built its versions) and for its
		// first save to be done ("saved NS", NS the save's duration), then
		// let it save for a random 0–3 save durations: the kill lands in
		// the middle of a save or between two, however fast the machine
		// (the race detector slows saves down several times).
		rd := bufio.NewReader(out)
		var saveNS int64
		line, err := rd.ReadString('\n')
		if err == nil && line == "ready\n" {
			line, err = rd.ReadString('\n')
			if err == nil {
				_, err = fmt.Sscanf(line, "saved %d\n", &saveNS)
			}
		}
		if err != nil || saveNS <= 0 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("kill %d: child did not start saving: %q, %v; stderr %s", i, line, err, stderr.String())
		}
		time.Sleep(time.Duration(rng.Int64N(3 * saveNS)))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: child ended with %v, not by SIGKILL; stderr %s", i, err, stderr.String())
		}

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		f, err := Decode(data, path)
		if err != nil {
			t.Fatalf("kill %d: the checkpoint does not read: %v", i, err)
		}
		k, ok := sums[sha256.Sum256(data)]
		if !ok {
			t.Fatalf("kill %d: the checkpoint (%d bytes) is none of the versions written", i, len(data))
		}
		if f.Metadata["version"] != strconv.Itoa(k) || f.Lookup("step").I64[0] != int64(k) {
			t.Fatalf("kill %d: version %d has metadata %v", i, k, f.Metadata)
		}
		seen[k]++
		// A kill during a save leaves its temporary file (nothing can
		// remove it); they are left in place for the next children.
		ents, _ := os.ReadDir(dir)
		tmps := 0
		for _, e := range ents {
			if e.Name() != "last.safetensors" {
				if !strings.HasPrefix(e.Name(), ".last.safetensors.tmp") {
					t.Fatalf("kill %d: unexpected file %s", i, e.Name())
				}
				tmps++
			}
		}
		if tmps > leftover {
			midWrite++
		}
		leftover = tmps
	}
	t.Logf("%d kills: versions found %v; %d kills left a temporary file (killed while writing)", kills, seen, midWrite)
	if leftover != midWrite {
		t.Errorf("%d temporary files for %d interrupted saves", leftover, midWrite)
	}
	if midWrite == 0 {
		t.Errorf("no kill landed while a temporary file existed: the test did not interrupt a save")
	}
	if len(seen) < 2 {
		t.Errorf("only versions %v found after the kills: the child's saves did not take effect", seen)
	}
	// The temporary files of the killed saves do not get in the way of a
	// save (each save creates a new, uniquely named one).
	if err := Write(path, crashVersion(2)); err != nil {
		t.Fatalf("save after the kills: %v", err)
	}
	if f, err := Read(path); err != nil || f.Metadata["version"] != "2" {
		t.Fatalf("after the kills: %v, %v", f, err)
	}
}

// TestFullDiskKeepsPrevious saves a 4 MiB checkpoint in a child process
// whose file-size limit (RLIMIT_FSIZE) is 1 MiB, as on a full disk: the
// save must fail with an error naming the path, leave the previous
// checkpoint byte for byte, and leave no temporary file.
func TestFullDiskKeepsPrevious(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	small := &File{Tensors: []Tensor{{Name: "W1", Shape: []int{2}, F32: []float32{1, 2}}}, Metadata: map[string]string{"version": "0"}}
	if err := Write(path, small); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	cmd := helper("save-fsize", path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	msg := strings.TrimSpace(string(out))
	t.Logf("save over the limit: %s", msg)
	if !strings.HasPrefix(msg, "checkpoint: "+path+": ") || !strings.Contains(msg, "file too large") || strings.Contains(msg, "\n") {
		t.Errorf("save over the file-size limit: got %q, want one line \"checkpoint: %s: ...file too large\"", msg, path)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the previous checkpoint changed (%v)", err)
	}
	if _, err := Read(path); err != nil {
		t.Fatal(err)
	}
	onlyCheckpoint(t, dir)
}
