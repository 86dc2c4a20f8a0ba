package simulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// Tests of the throttling policy's PowerShell budgets (remoteps.Budget):
// each with a small value, within it, one over it, and after its window.

func openPSErr(env *simtest.Env, user string) (*client.Session, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.Open(ctx, client.Config{URL: env.URL + "/PowerShell/", User: user, Password: demo.Password})
}

// TestPowerShellMaxRunspaces: two sessions a minute; the third is refused
// at Create with the authorization plugin's words, and opens a minute later.
func TestPowerShellMaxRunspaces(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellMaxRunspaces: 2, PowerShellMaxRunspacesTimePeriod: time.Minute})
	a := openPS(t, env, "admin")
	openPS(t, env, "admin")
	a.Close(context.Background()) // closing one gives no session back: the budget counts opens

	_, err := openPSErr(env, "admin")
	var f *client.Fault
	if !errors.As(err, &f) {
		t.Fatalf("a third session within the minute: want a fault, got %v", err)
	}
	for _, want := range []string{
		"[FailureCategory=AuthZ-AuthorizationException] Fail to create runspace because you have exceeded your budget to create runspace. Please wait for 60 seconds.",
		"\r\nPolicy: CN=GlobalThrottlingPolicy_",
		",CN=Global Settings,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com; \r\nSnapshot: ",
		"RunSpacesRemaining:\t0/2",
	} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("refusal %q\nwant it to contain %q", f.Message, want)
		}
	}

	env.Clock.Advance(30 * time.Second)
	if _, err := openPSErr(env, "admin"); err == nil || !strings.Contains(err.Error(), "Please wait for 30 seconds.") {
		t.Fatalf("half a minute later: want a refusal to wait 30 seconds, got %v", err)
	}
	env.Clock.Advance(30 * time.Second)
	openPS(t, env, "admin")
}

// TestPowerShellMaxCmdlets: two Exchange cmdlets a minute, counted across
// the user's sessions; the third stops its pipeline, and runs a minute later.
func TestPowerShellMaxCmdlets(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellMaxCmdlets: 2, PowerShellMaxCmdletsTimePeriod: time.Minute})
	ps := openPS(t, env, "admin")
	for i := 0; i < 2; i++ {
		if res := invoke(t, ps, cmd("Get-Mailbox")); res.Failed != nil || len(res.Output) == 0 {
			t.Fatalf("Get-Mailbox %d within the budget: failed %+v, %d objects", i+1, res.Failed, len(res.Output))
		}
	}
	// PowerShell's own commands are not Exchange cmdlets.
	if res := invoke(t, ps, cmd("Get-Command", arg("Name", "Get-Mailbox"))); res.Failed != nil {
		t.Fatalf("Get-Command: %+v", res.Failed)
	}

	other := openPS(t, env, "admin")
	res := invoke(t, other, cmd("Get-Mailbox"))
	const want = "The WS-Management service cannot process the request. The user load quota of 2 requests per 60 seconds has been exceeded. Send future requests at a slower rate or raise the quota for this user. The next request from this user will not be approved for at least 60000 milliseconds."
	if res.Failed == nil || res.Failed.Message != want || len(res.Output) != 0 {
		t.Fatalf("a third cmdlet in another session: want the pipeline stopped with %q, got failed %+v, %d objects", want, res.Failed, len(res.Output))
	}
	if res.Failed.FullyQualifiedErrorID != "OverBudgetException,Get-Mailbox" {
		t.Errorf("FullyQualifiedErrorId %q", res.Failed.FullyQualifiedErrorID)
	}

	env.Clock.Advance(time.Minute)
	if res := invoke(t, ps, cmd("Get-Mailbox")); res.Failed != nil || len(res.Output) == 0 {
		t.Fatalf("Get-Mailbox a minute later: failed %+v", res.Failed)
	}
}

// TestPowerShellMaxDestructiveCmdlets: one destructive cmdlet a minute; the
// second stops its pipeline while other cmdlets still run, and a minute
// later it runs again.
func TestPowerShellMaxDestructiveCmdlets(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellMaxDestructiveCmdlets: 1, PowerShellMaxDestructiveCmdletsTimePeriod: time.Minute})
	ps := openPS(t, env, "admin")
	remove := cmd("Remove-MobileDevice", arg("Identity", "nosuchdevice"), arg("Confirm", false))

	// The device does not exist: a non-terminating error, but it ran.
	if res := invoke(t, ps, remove); res.Failed != nil || len(res.Errors) != 1 {
		t.Fatalf("the first Remove-MobileDevice: want one non-terminating error, got failed %+v errors %+v", res.Failed, res.Errors)
	}
	res := invoke(t, ps, remove)
	if res.Failed == nil || !strings.HasPrefix(res.Failed.Message, "The WS-Management service cannot process the request. The user load quota of 1 requests per 60 seconds has been exceeded.") || len(res.Errors) != 0 {
		t.Fatalf("the second Remove-MobileDevice: want the pipeline stopped, got failed %+v errors %+v", res.Failed, res.Errors)
	}
	if res := invoke(t, ps, cmd("Get-Mailbox")); res.Failed != nil {
		t.Fatalf("Get-Mailbox is not destructive: %+v", res.Failed)
	}

	env.Clock.Advance(time.Minute)
	if res := invoke(t, ps, remove); res.Failed != nil || len(res.Errors) != 1 {
		t.Fatalf("Remove-MobileDevice a minute later: failed %+v errors %+v", res.Failed, res.Errors)
	}
}

// TestExchangeMaxCmdlets: past one cmdlet a minute, the next waits for the
// end of the minute (on the server's clock), runs, and counts in the next
// minute, so the one after it waits again.
func TestExchangeMaxCmdlets(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, ExchangeMaxCmdlets: 1, PowerShellMaxCmdletsTimePeriod: time.Minute})
	ps := openPS(t, env, "admin")
	start := env.Clock.Now()
	if res := invoke(t, ps, cmd("Get-Mailbox")); res.Failed != nil {
		t.Fatalf("the first Get-Mailbox: %+v", res.Failed)
	}
	for i := 1; i <= 2; i++ {
		slowed(t, env, ps, start.Add(time.Duration(i)*time.Minute))
	}
}

// slowed runs Get-Mailbox, which must wait on the server's clock until
// until, and lets the clock get there.
func slowed(t *testing.T, env *simtest.Env, ps *client.Session, until time.Time) {
	t.Helper()
	done := make(chan *client.Result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := ps.Invoke(ctx, cmd("Get-Mailbox"))
		if err != nil {
			t.Errorf("the slowed Get-Mailbox: %v", err)
		}
		done <- res
	}()
	deadline := time.Now().Add(10 * time.Second)
wait:
	for {
		select {
		case <-done:
			t.Fatalf("Get-Mailbox was not slowed down until %v", until)
		default:
		}
		if d, ok := env.Clock.NextDeadline(); ok && d.Equal(until) {
			break wait
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get-Mailbox never waited on the server's clock until %v", until)
		}
		time.Sleep(5 * time.Millisecond)
	}
	env.Clock.Set(until)
	select {
	case res := <-done:
		if res == nil || res.Failed != nil || len(res.Output) == 0 {
			t.Fatalf("the slowed Get-Mailbox: %+v", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the slowed Get-Mailbox did not finish at %v", until)
	}
}

// TestPowerShellBudgetsDefault: Exchange's defaults are Unlimited, so
// without options many sessions and cmdlets run.
func TestPowerShellBudgetsDefault(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	for i := 0; i < 3; i++ {
		ps := openPS(t, env, "admin")
		for j := 0; j < 5; j++ {
			if res := invoke(t, ps, cmd("Get-Mailbox")); res.Failed != nil {
				t.Fatalf("session %d, Get-Mailbox %d: %+v", i, j, res.Failed)
			}
		}
		ps.Close(context.Background())
	}
}

// TestPowerShellMaxCmdletQueueDepth: one operation in progress per user.
// While a slowed cmdlet's Receive waits, the user's next request gets
// WinRM's operation quota fault; once it is answered, requests run again.
func TestPowerShellMaxCmdletQueueDepth(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellMaxCmdletQueueDepth: 1,
		ExchangeMaxCmdlets: 1, PowerShellMaxCmdletsTimePeriod: time.Minute})
	a := openPS(t, env, "admin")
	b := openPS(t, env, "admin")
	if res := invoke(t, a, cmd("Get-Mailbox")); res.Failed != nil {
		t.Fatalf("Get-Mailbox: %+v", res.Failed)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The probe below may hold the one operation when this Command
		// arrives (under -race it often does): then it is refused with
		// the same quota fault, and sent again.
		for {
			_, err := a.Invoke(ctx, cmd("Get-Mailbox"))
			var qf *client.Fault
			if errors.As(err, &qf) && qf.Code == "2150859174" {
				time.Sleep(2 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Errorf("the slowed Get-Mailbox: %v", err)
			}
			return
		}
	}()
	const want = "The WS-Management service cannot process the request. This user is allowed a maximum number of 1 concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user."
	var f *client.Fault
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := b.Invoke(ctx, cmd("Get-Command", arg("Name", "Get-Mailbox")))
		cancel()
		if errors.As(err, &f) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while a Receive waits: want the operation quota fault, got %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if f.Message != want || f.Subcode != "w:QuotaLimit" || f.Code != "2150859174" {
		t.Errorf("fault %+v\nwant %q", f, want)
	}
	// The fault may have come while a's Command, not its Receive, held
	// the operation, before its cmdlet waits on the clock: move the clock
	// on until the slowed cmdlet has run.
	for deadline := time.Now().Add(10 * time.Second); ; {
		env.Clock.Advance(time.Minute)
		select {
		case <-done:
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the slowed Get-Mailbox did not finish")
			}
			continue
		}
		break
	}
	if res := invoke(t, b, cmd("Get-Command", arg("Name", "Get-Mailbox"))); res.Failed != nil {
		t.Fatalf("after the Receive was answered: %+v", res.Failed)
	}
}
