package clock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/easlab/easlab/clock"
)

// A device stays in discovery for 14 minutes; the test moves the clock
// instead of waiting.
func ExampleManual() {
	clk := clock.NewManual(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC))
	discovery := clk.NewTimer(14 * time.Minute)

	clk.Advance(13 * time.Minute)
	select {
	case <-discovery.C():
		fmt.Println("discovery ended early")
	default:
		fmt.Println("still in discovery at", clk.Now().Format("15:04"))
	}

	clk.Advance(time.Minute)
	fmt.Println("discovery ended at", (<-discovery.C()).Format("15:04"))
	// Output:
	// still in discovery at 09:13
	// discovery ended at 09:14
}

// Code under test sleeps on the clock; the test waits until it does, then
// moves time: no real sleep on either side.
func ExampleManual_BlockUntil() {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC))

	done := make(chan error)
	go func() { done <- clk.Sleep(ctx, 20*time.Second) }() // a tarpit

	if err := clk.BlockUntil(ctx, 1); err != nil {
		fmt.Println(err)
		return
	}
	clk.Advance(20 * time.Second)
	fmt.Println("tarpit over:", <-done)
	// Output:
	// tarpit over: <nil>
}

// A warped clock runs in real time until the scenario jumps ahead.
func ExampleWarped_Warp() {
	clk := clock.NewWarped(nil)
	approval := clk.AfterFunc(15*time.Second, func() { fmt.Println("approval timed out") })
	defer approval.Stop()
	ping := clk.NewTimer(59 * time.Minute)
	defer ping.Stop()

	clk.Warp(14 * time.Minute) // fires the approval timer before returning
	fmt.Println("timers still pending:", clk.Pending())
	// Output:
	// approval timed out
	// timers still pending: 1
}
