package media

/*
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// The write pass's output callbacks (klipp_out_io in onepass_io.go); h is
// a cgo.Handle of the *hashedOut.

//export klippOutWrite
func klippOutWrite(h C.uintptr_t, buf *C.uint8_t, n C.int) C.int {
	o := cgo.Handle(h).Value().(*hashedOut)
	if err := o.write(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))); err != nil {
		return -5 // AVERROR(EIO); o.err says what
	}
	return n
}

//export klippOutSeek
func klippOutSeek(h C.uintptr_t, off C.int64_t, whence C.int) C.int64_t {
	o := cgo.Handle(h).Value().(*hashedOut)
	return C.int64_t(o.seek(int64(off), int(whence)))
}
