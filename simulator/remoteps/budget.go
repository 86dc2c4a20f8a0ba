package remoteps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/wsman"
	"github.com/google/uuid"
)

// Budget is the PowerShell part of Exchange's throttling policy: each
// user's budgets of cmdlets and runspaces over time windows, kept across
// the user's sessions, on the simulator's clock. (PowerShellMaxConcurrency,
// the concurrent sessions, is WinRM's shell quota: wsman.Server's
// MaxShellsPerUser.)
//
// The parameters, as Set-ThrottlingPolicy documents them (learn.microsoft.com,
// exchangepowershell/set-throttlingpolicy, "Applicable: Exchange Server 2010,
// 2013, 2016, 2019" unless said):
//   - PowerShellMaxCmdlets: "the number of cmdlets that can be executed within
//     a specific time period before their execution is stopped", the period
//     being PowerShellMaxCmdletsTimePeriod, in seconds;
//   - ExchangeMaxCmdlets: the number "before their execution is slowed down",
//     over the same period;
//   - PowerShellMaxDestructiveCmdlets and PowerShellMaxDestructiveCmdletsTimePeriod:
//     the same for destructive cmdlets; over it "the cmdlet pipeline execution
//     is stopped with a throttling error message. The user needs to wait for,
//     and then resubmit the execution of cmdlets on the open connection";
//   - PowerShellMaxRunspaces and PowerShellMaxRunspacesTimePeriod (2013 and
//     later): how many sessions a user may open in the period.
//
// Their on-premises defaults are all Unlimited (Get-ThrottlingPolicy of
// Exchange 2013 CU23's GlobalThrottlingPolicy, Microsoft Q&A 125609:
// PowerShellMaxConcurrency 18, every other PowerShell* and ExchangeMaxCmdlets
// Unlimited; the Exchange 2010 default policy's AD state
// "con~18~cmds~-1~per~-1~que~-1~excmds~-1", c7solutions.com 2010/01). So a
// zero Budget limits nothing, as Exchange's default policy.
//
// A window opens with the first use after the previous one ended, and
// lasts its period (Exchange's budget keeps a LastTimeFrameUpdate per
// budget, decompiled PowerShellBudget); a count with no period never
// resets (UNCONFIRMED: Exchange's behaviour for a count without a period).
type Budget struct {
	// MaxCmdlets is PowerShellMaxCmdlets; zero or less, Unlimited.
	MaxCmdlets int
	// ExchangeMaxCmdlets slows the user's cmdlets over it down (each
	// waits for the end of the window); zero or less, Unlimited.
	ExchangeMaxCmdlets int
	// CmdletsTimePeriod is PowerShellMaxCmdletsTimePeriod, for both.
	CmdletsTimePeriod time.Duration
	// MaxDestructiveCmdlets is PowerShellMaxDestructiveCmdlets.
	MaxDestructiveCmdlets        int
	DestructiveCmdletsTimePeriod time.Duration
	// MaxRunspaces is PowerShellMaxRunspaces: sessions opened per period.
	MaxRunspaces        int
	RunspacesTimePeriod time.Duration
	// MaxConcurrency is PowerShellMaxConcurrency, for the snapshot only.
	MaxConcurrency int
	// PolicyDN is the policy's distinguished name, as the refusals name it.
	PolicyDN string
	// Sleep waits on the simulator's clock (ExchangeMaxCmdlets); without
	// it, nothing is slowed down.
	Sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	users map[string]*userBudget
}

type window struct {
	start time.Time
	used  int
}

// take counts one use in the window at now unless max are used already;
// it returns whether it did and, if not, how long until the window ends.
func (w *window) take(now time.Time, max int, period time.Duration) (bool, time.Duration) {
	if period > 0 && (w.start.IsZero() || !now.Before(w.start.Add(period))) {
		w.start, w.used = now, 0
	}
	if max > 0 && w.used >= max {
		return false, w.left(now, period)
	}
	w.used++
	return true, 0
}

func (w *window) left(now time.Time, period time.Duration) time.Duration {
	if period <= 0 {
		return 0
	}
	return w.start.Add(period).Sub(now)
}

type userBudget struct {
	cmdlets, exchange, destructive, runspaces window
	active                                    int
}

func (b *Budget) user(name string) *userBudget {
	if b.users == nil {
		b.users = map[string]*userBudget{}
	}
	k := strings.ToLower(name)
	u := b.users[k]
	if u == nil {
		u = &userBudget{}
		b.users[k] = u
	}
	return u
}

// openRunspace charges a new session to user's PowerShellMaxRunspaces. Over
// it, the refusal is the Exchange 2013+ authorization plugin's: its
// ErrorMaxRunspacesTarpitting string, the throttling policy and the
// budget's snapshot (decompiled AuthZPluginHelper.HandleUserOverBudgetException,
// build 15.00.1497: message + "{NL}Policy: {DN}; {NL}Snapshot: {budget}").
// Its words as a client shows them (Exchange Online, same code): "[AuthZRequestId=…]
// [FailureCategory=AuthZ-AuthorizationException] Fail to create runspace
// because you have exceeded your budget to create runspace. Please wait for 2
// seconds.\nPolicy: CN=GlobalThrottlingPolicy_…,CN=Global Settings,…;"
// (a script quoting the error, github.com, "O365 Connection Budget").
func (b *Budget) openRunspace(user string, now time.Time) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.user(user)
	ok, wait := u.runspaces.take(now, b.MaxRunspaces, b.RunspacesTimePeriod)
	if !ok {
		msg := fmt.Sprintf("Fail to create runspace because you have exceeded your budget to create runspace. Please wait for %d seconds.", int(wait/time.Second))
		return wsman.ErrPlugin(b.authzError(msg, u, now))
	}
	u.active++
	return nil
}

// closeRunspace ends a session for the snapshot's ActiveRunspaces.
func (b *Budget) closeRunspace(user string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	if u := b.user(user); u.active > 0 {
		u.active--
	}
	b.mu.Unlock()
}

// authzError is the authorization plugin's refusal: its request id and
// failure category (as the captured errors show them), the message, the
// policy and the snapshot.
func (b *Budget) authzError(msg string, u *userBudget, now time.Time) string {
	return fmt.Sprintf("[AuthZRequestId=%s][FailureCategory=AuthZ-AuthorizationException] %s\r\nPolicy: %s; \r\nSnapshot: %s",
		uuid.NewString(), msg, b.PolicyDN, b.snapshot(u, now))
}

// snapshot is the user's budget as the refusals show it: some of the
// fields Exchange's PowerShellBudget.ToString writes, tab-separated, one a
// line ("ActiveRunspaces 0/20, PowerShellCmdletsLeft 384/400,
// ExchangeCmdletsLeft 185/200", remote-powershell.md). UNCONFIRMED: the
// fields easlab leaves out (Owner, BudgetType, Balance, ...) and how
// Unlimited is written.
func (b *Budget) snapshot(u *userBudget, now time.Time) string {
	lim := func(n int) string {
		if n <= 0 {
			return "Unlimited"
		}
		return fmt.Sprint(n)
	}
	left := func(w window, max int, period time.Duration) string {
		if max <= 0 {
			return "Unlimited/Unlimited"
		}
		used := w.used
		if period > 0 && !w.start.IsZero() && !now.Before(w.start.Add(period)) {
			used = 0
		}
		return fmt.Sprintf("%d/%d", max-used, max)
	}
	per := func(d time.Duration) string {
		if d <= 0 {
			return "Unlimited"
		}
		return fmt.Sprint(int(d / time.Second))
	}
	return fmt.Sprintf("ActiveRunspaces:\t%d/%s\r\nPowerShellCmdletsLeft:\t%s\r\nExchangeCmdletsLeft:\t%s\r\nCmdletTimePeriod:\t%s\r\nDestructiveCmdletsLeft:\t%s\r\nDestructiveCmdletTimePeriod:\t%s\r\nMaxRunspacesTimePeriod:\t%s\r\nRunSpacesRemaining:\t%s\r\n",
		u.active, lim(b.MaxConcurrency),
		left(u.cmdlets, b.MaxCmdlets, b.CmdletsTimePeriod), left(u.exchange, b.ExchangeMaxCmdlets, b.CmdletsTimePeriod), per(b.CmdletsTimePeriod),
		left(u.destructive, b.MaxDestructiveCmdlets, b.DestructiveCmdletsTimePeriod), per(b.DestructiveCmdletsTimePeriod),
		per(b.RunspacesTimePeriod), left(u.runspaces, b.MaxRunspaces, b.RunspacesTimePeriod))
}

// destructiveCmdlets are the cmdlets Set-ThrottlingPolicy's
// PowerShellMaxDestructiveCmdlets names as destructive; easlab serves none
// of them, so Remove-MobileDevice and Remove-ActiveSyncDevice, which delete
// a partnership and its data, are counted as well (UNCONFIRMED: easlab's
// addition; whether Exchange counts them).
var destructiveCmdlets = []string{"Disable-Mailbox", "Move-ActiveMailboxDatabase", "Remove-AcceptedDomain",
	"Remove-Mailbox", "Remove-MailUser", "Remove-Organization", "Set-Mailbox", "Set-MailUser",
	"Update-MailboxDatabaseCopy", "Remove-MobileDevice", "Remove-ActiveSyncDevice"}

// IsDestructive says whether PowerShellMaxDestructiveCmdlets counts the cmdlet.
func IsDestructive(cmdlet string) bool {
	for _, c := range destructiveCmdlets {
		if strings.EqualFold(c, cmdlet) {
			return true
		}
	}
	return false
}

// chargeCmdlet counts one execution of an Exchange cmdlet against the
// user's budgets. Over PowerShellMaxCmdlets or PowerShellMaxDestructiveCmdlets
// it returns the error that stops the pipeline (nothing is charged then);
// over ExchangeMaxCmdlets, how long the cmdlet is slowed down.
//
// The refusal's words are those Exchange 2010 gives for PowerShellMaxCmdlets,
// which its authorization plugin handed to WinRM as the user's operation
// quota: "The WS-Management service cannot process the request. The user load
// quota of X requests per Y seconds has been exceeded. Send future requests at
// a slower rate or raise the quota for this user. The next request from this
// user will not be approved for at least Z milliseconds." (c7solutions.com
// 2010/01, "X is the value of PowerShellMaxCmdlets and Y is the
// PowerShellMaxCmdletsTimePeriod"; the same text in a 2013 blog of an
// Exchange 2010 EMC). UNCONFIRMED: Exchange 2013 and later answer with their
// ErrorOperationTarpitting string, whose English text is not on record;
// the text for destructive cmdlets (easlab gives the same sentence with
// their numbers); the exception type and FullyQualifiedErrorId.
func (b *Budget) chargeCmdlet(user, cmdlet string, now time.Time) (delay time.Duration, err error) {
	if b == nil {
		return 0, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.user(user)
	// Check both refusing budgets before charging either.
	c, d := u.cmdlets, u.destructive
	if ok, wait := c.take(now, b.MaxCmdlets, b.CmdletsTimePeriod); !ok {
		return 0, quotaError(cmdlet, b.MaxCmdlets, b.CmdletsTimePeriod, wait)
	}
	if IsDestructive(cmdlet) {
		if ok, wait := d.take(now, b.MaxDestructiveCmdlets, b.DestructiveCmdletsTimePeriod); !ok {
			return 0, quotaError(cmdlet, b.MaxDestructiveCmdlets, b.DestructiveCmdletsTimePeriod, wait)
		}
	}
	u.cmdlets, u.destructive = c, d
	_, wait := u.exchange.take(now, b.ExchangeMaxCmdlets, b.CmdletsTimePeriod)
	return wait, nil
}

// slowDown charges a cmdlet that waited to ExchangeMaxCmdlets again, in
// the window open at now: it returns how much longer it waits, zero once
// the cmdlet is counted.
func (b *Budget) slowDown(user string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, wait := b.user(user).exchange.take(now, b.ExchangeMaxCmdlets, b.CmdletsTimePeriod)
	return wait
}

func quotaError(cmdlet string, max int, period, wait time.Duration) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message: fmt.Sprintf("The WS-Management service cannot process the request. The user load quota of %d requests per %d seconds has been exceeded. Send future requests at a slower rate or raise the quota for this user. The next request from this user will not be approved for at least %d milliseconds.",
			max, int(period/time.Second), wait.Milliseconds()),
		// UNCONFIRMED: Exchange 2013+'s OverBudgetException's namespace.
		ExceptionTypes:        []string{"Microsoft.Exchange.Data.Directory.OverBudgetException", "Microsoft.Exchange.Data.Common.LocalizedException"},
		FullyQualifiedErrorID: "OverBudgetException," + cmdlet,
		Category:              psrp.QuotaExceeded, Activity: cmdlet,
	}
}
