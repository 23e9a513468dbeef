package aggregator

// Stage names a step of storing a fetched feed.
type Stage int

// The stages, in the order a feed goes through them.
const (
	StageParse     Stage = iota // decode and parse the body (normaliser.Parse)
	StageNormalise              // map, sanitise and date the items (normaliser.Normalise)
	StageClassify               // topic membership of each item
	StageStore                  // the database write
	NumStages
)

func (s Stage) String() string {
	return [...]string{"parse", "normalise/sanitise", "classify", "store"}[s]
}

// StageHook, when set on a Poller (Poller.OnStage), runs the work f of
// stage s itself, on the calling goroutine: bantin bench measures the CPU
// time of each stage with it.
type StageHook func(s Stage, f func())

// stage runs f as stage s (see StageHook).
func (p *Poller) stage(s Stage, f func()) {
	if p.OnStage == nil {
		f()
		return
	}
	p.OnStage(s, f)
}
