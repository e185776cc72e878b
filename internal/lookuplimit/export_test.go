package lookuplimit

// InFlight returns the number of slots taken now.
func (l *Limiter) InFlight() int { return len(l.slots) }
