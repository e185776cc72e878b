package warmup

// Ready reports whether a run has succeeded.
func (t *Task) Ready() bool { return t.ok.Load() }
