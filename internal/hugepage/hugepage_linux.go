package hugepage

import "syscall"

// madvCollapse is MADV_COLLAPSE (include/uapi/asm-generic/mman-common.h),
// missing from package syscall.
const madvCollapse = 25

// advise marks b (2 MiB aligned) for transparent huge pages, so that pages
// faulted in from now on are huge, and collapses the small pages already
// present into huge ones. Errors (THP disabled, an older kernel, memory
// too fragmented) leave b on small pages.
func advise(b []byte) {
	if syscall.Madvise(b, syscall.MADV_HUGEPAGE) == nil {
		_ = syscall.Madvise(b, madvCollapse)
	}
}
