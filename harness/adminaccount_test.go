package harness

import "testing"

// TestAdminAccountOfAnExternalSimulator: against --simulator-url the
// product gets the account the vendor gave (an easlab serve started with
// another --demo-password or organization), else the demo admin.
func TestAdminAccountOfAnExternalSimulator(t *testing.T) {
	e := &Env{}
	if u, p := e.adminAccount(); u != "admin" || p != Password {
		t.Errorf("by default: %s/%s, want admin and the demo password", u, p)
	}
	e.Config = Config{SimulatorAdminUser: "ops", SimulatorAdminPassword: "s3cret"}
	if u, p := e.adminAccount(); u != "ops" || p != "s3cret" {
		t.Errorf("given: %s/%s, want ops/s3cret", u, p)
	}
}
