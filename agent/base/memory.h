// The process's memory: giving freed heap back to the system after a large
// answer, and reading the resident set size (for logs and benchmarks). On a
// C library other than glibc the tuning calls do nothing.
#ifndef KAFKA_AGENT_BASE_MEMORY_H_
#define KAFKA_AGENT_BASE_MEMORY_H_

#include <cstddef>

namespace kafka_agent {

// Allocations of `mmap_threshold` bytes or more come straight from the
// system and go back to it when freed (glibc keeps raising that threshold
// on its own otherwise, and then keeps large freed blocks); at most `arenas`
// malloc arenas (each thread that allocates would otherwise get its own, and
// keep what it freed). Call once at start-up, before threads.
void TuneAllocator(size_t mmap_threshold, int arenas);

// Returns freed heap memory to the system (glibc's malloc_trim).
void ReleaseFreeMemory();

// Resident set size of this process in bytes (/proc/self/statm); 0 when
// unknown.
size_t ResidentBytes();

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_MEMORY_H_
