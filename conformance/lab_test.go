package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// A lab is the deployment a ported test runs against: a simulator of its
// own, set up as the suite's deployment scripts set up Exchange (its
// users from an org file, its policies and settings through the admin
// API), reached only on the wire. simtest starts it and nothing else of
// the simulator is touched.
type lab struct {
	s   *site
	env *simtest.Env
	ctx context.Context
}

// password is every suite user's, as the deployment scripts set it.
const password = "Password01!"

// newLab starts a simulator whose organization is contoso.com with the
// suite users (for example "MSASPROV_User01"), each with an empty mailbox.
func newLab(s *site, users ...string) *lab {
	s.t.Helper()
	var org strings.Builder
	org.WriteString("organization: {name: Contoso, domain: contoso.com, netbios: CONTOSO}\nusers:\n")
	for _, u := range users {
		fmt.Fprintf(&org, "  - {alias: %s, displayName: %s, password: %q}\n", u, u, password)
	}
	fmt.Fprintf(&org, "  - {alias: admin, displayName: Administrator, password: %q, roleGroups: [Organization Management]}\n", password)
	clk := clock.NewManual(simtest.Start)
	dir, err := demo.LoadOrgFile(strings.NewReader(org.String()), clk.Now())
	s.must(err, "loading the suite's users")
	env := simtest.New(s.t, simulator.Options{Clock: clk, Directory: dir, ErrorResponseDelay: -1})
	return &lab{s: s, env: env, ctx: context.Background()}
}

// cmdlet runs an admin cmdlet, as the deployment scripts and the tests'
// SUT control adapters do, and stops the test if it fails.
func (l *lab) cmdlet(name string, params map[string]any) []map[string]any {
	l.s.t.Helper()
	var out []map[string]any
	l.s.must(l.env.Admin.Run(l.ctx, name, params, &out), name)
	return out
}

// device is the suites' ActiveSync client for user at the site's
// version: DeviceType SP and the base64 query the common configuration
// sets (HeaderEncodingType Base64, from 12.1), a client that provisions
// only when a test tells it to.
func (l *lab) device(user string) *clients.Device {
	v := l.s.version
	p := clients.Profile{
		Name:            "Interop",
		DeviceType:      "SP",
		ProtocolVersion: v,
		NoPolicyKey:     true,
		DeviceInfoIn:    clients.InfoInSettings,
	}
	if v.Base64Allowed() {
		p.QueryForm = eas.Base64Query
	}
	return clients.New(p, clients.Options{
		BaseURL:    l.env.EASURL,
		User:       user,
		Password:   password,
		HTTPClient: l.env.HTTP.Client(),
		DeviceID:   "TestSuite",
	})
}
