package media

// closer frees what one job allocated: each allocation is added right after
// it succeeds (c.add(x.Free)), and one call to close, deferred or made by
// the owner's Close, frees everything, last first, exactly once. A job that
// fails half-way therefore frees what it had and nothing it had not.
type closer struct {
	fns []func()
}

// add registers fn to run on close.
func (c *closer) add(fn func()) { c.fns = append(c.fns, fn) }

// addErr registers fn to run on close, dropping its error: for closing an
// output that is being abandoned (a finished one is closed explicitly and
// its error checked).
func (c *closer) addErr(fn func() error) { c.fns = append(c.fns, func() { _ = fn() }) }

// close runs the registered functions in reverse order and forgets them; a
// second call does nothing.
func (c *closer) close() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
	c.fns = nil
}
