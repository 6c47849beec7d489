package sim

import "context"

// Observer sees a run as it happens. The run calls it in this order for each step:
// StepStarted, then Sending and Answered around every request, then StepFinished.
// Every call is synchronous: the run waits for it to return, so an observer that
// blocks paces the run. A console demo that advances one step per key press blocks
// in StepStarted; one that advances one request per key press, or one per tick of a
// chosen speed, blocks in Sending, which also receives the run's context so it can
// give up when the run is cancelled. A non-nil error from Sending (the presenter
// quit) ends the run, which then returns its report so far with that error. With Concurrency above 1, Sending and
// Answered are called from several goroutines at once; with 1 they come one at a time
// in request order. The Exchange passed to Sending has its request filled in; the one
// passed to Answered has the answer too. Neither may be changed.
type Observer interface {
	StepStarted(step *StepResult)
	Sending(ctx context.Context, ex *Exchange) error
	Answered(ex *Exchange)
	StepFinished(step *StepResult)
}

// Funcs is an Observer made of optional functions; a nil function does nothing.
type Funcs struct {
	OnStepStarted  func(step *StepResult)
	OnSending      func(ctx context.Context, ex *Exchange) error
	OnAnswered     func(ex *Exchange)
	OnStepFinished func(step *StepResult)
}

// StepStarted calls OnStepStarted.
func (f Funcs) StepStarted(step *StepResult) {
	if f.OnStepStarted != nil {
		f.OnStepStarted(step)
	}
}

// Sending calls OnSending.
func (f Funcs) Sending(ctx context.Context, ex *Exchange) error {
	if f.OnSending != nil {
		return f.OnSending(ctx, ex)
	}
	return nil
}

// Answered calls OnAnswered.
func (f Funcs) Answered(ex *Exchange) {
	if f.OnAnswered != nil {
		f.OnAnswered(ex)
	}
}

// StepFinished calls OnStepFinished.
func (f Funcs) StepFinished(step *StepResult) {
	if f.OnStepFinished != nil {
		f.OnStepFinished(step)
	}
}

// Observers calls each observer in turn; Sending stops at the first error.
type Observers []Observer

// StepStarted calls every observer.
func (o Observers) StepStarted(step *StepResult) {
	for _, x := range o {
		x.StepStarted(step)
	}
}

// Sending calls every observer until one returns an error.
func (o Observers) Sending(ctx context.Context, ex *Exchange) error {
	for _, x := range o {
		if err := x.Sending(ctx, ex); err != nil {
			return err
		}
	}
	return nil
}

// Answered calls every observer.
func (o Observers) Answered(ex *Exchange) {
	for _, x := range o {
		x.Answered(ex)
	}
}

// StepFinished calls every observer.
func (o Observers) StepFinished(step *StepResult) {
	for _, x := range o {
		x.StepFinished(step)
	}
}
