package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestFloatsHugePages: where the kernel offers transparent huge pages on
// request (enabled "always" or "madvise"), a 24 MiB buffer from Floats is
// backed by huge pages once written, both when the Go heap maps it fresh
// and when the memory was already faulted in with small pages (collapse).
func TestFloatsHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Fatalf("THP setting: %v", err)
	}
	if strings.Contains(string(mode), "[never]") {
		t.Logf("transparent huge pages are disabled here (%s): only contents checked", strings.TrimSpace(string(mode)))
		return
	}
	const n = 24 << 20 / 4
	fresh := Floats(n)
	for i := range fresh {
		fresh[i] = 1
	}
	if kb := anonHugeKB(t, fresh); kb < 8<<10 {
		t.Errorf("fresh 24 MiB buffer: %d KiB on huge pages, want at least 8192", kb)
	}
	touched := make([]float32, n)
	for i := range touched {
		touched[i] = float32(i)
	}
	Advise(touched)
	if kb := anonHugeKB(t, touched); kb < 8<<10 {
		t.Errorf("advised after writing: %d KiB on huge pages, want at least 8192", kb)
	}
	for i, v := range touched {
		if v != float32(i) {
			t.Fatalf("element %d = %g after the collapse, want %d", i, v, i)
		}
	}
}

// anonHugeKB returns the AnonHugePages of the mappings of /proc/self/smaps
// that overlap s, in KiB.
func anonHugeKB(t *testing.T, s []float32) int {
	t.Helper()
	lo := uint64(uintptr(unsafe.Pointer(&s[0])))
	hi := lo + uint64(4*len(s))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var a, b uint64
		if n, _ := fmt.Sscanf(line, "%x-%x ", &a, &b); n == 2 {
			in = a < hi && b > lo
			continue
		}
		var kb int
		if in && strings.HasPrefix(line, "AnonHugePages:") {
			if _, err := fmt.Sscanf(line, "AnonHugePages: %d kB", &kb); err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			total += kb
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}
