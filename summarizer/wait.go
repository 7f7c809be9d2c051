package summarizer

// Wait blocks until every summary call has stopped, those whose callers
// all left included (their requests are being cancelled): call it before
// closing the cache, once no new Summarize can start.
func (s *Summarizer) Wait() { s.flight.Wait() }
