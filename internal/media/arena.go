package media

/*
#include <malloc.h>
static void klipp_malloc_arenas(void) { mallopt(M_ARENA_MAX, 2); }
*/
import "C"

// FFmpeg's allocations happen on whichever OS threads Go runs cgo calls on;
// glibc gives each thread that allocates its own arena (up to eight per
// core), and memory freed in one is not reused by another. Two arenas keep
// the resident size of long decoding jobs bounded (activity scans, cuts).
func init() { C.klipp_malloc_arenas() }

// releaseMemory gives freed heap pages back to the system, after a job
// that decoded many large pictures.
func releaseMemory() { C.malloc_trim(0) }
