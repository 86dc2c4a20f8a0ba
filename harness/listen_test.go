package harness

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/psrp"
)

// With Config.SimulatorListen every Env's simulator is on that address,
// one after the other, and a product's environment names Remote
// PowerShell and an account that may open it.
func TestEnvSimulatorListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	for i, listen := range []string{"127.0.0.1:" + itoa(port), "0.0.0.0:" + itoa(port)} {
		e, err := newEnv(Config{SimulatorListen: listen}, uint64(i))
		if err != nil {
			t.Fatalf("Env %d on %s: %v", i, listen, err)
		}
		want := "http://127.0.0.1:" + itoa(port)
		if e.SimulatorURL() != want {
			t.Errorf("simulator URL %q, want %q", e.SimulatorURL(), want)
		}
		env := map[string]string{}
		for _, kv := range e.adminEnv() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if env["EASLAB_POWERSHELL_URL"] != want+"/PowerShell/" || env["EASLAB_ADMIN_USER"] != "admin" || env["EASLAB_ADMIN_PASSWORD"] != Password {
			t.Errorf("environment %v", env)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		s, err := client.Open(ctx, client.Config{URL: env["EASLAB_POWERSHELL_URL"], User: env["EASLAB_ADMIN_USER"], Password: env["EASLAB_ADMIN_PASSWORD"]})
		if err != nil {
			t.Fatalf("opening Remote PowerShell with the product's environment: %v", err)
		}
		res, err := s.Invoke(ctx, psrp.Command{Name: "Get-Mailbox", Args: []psrp.Argument{{Name: "Identity", Value: "alice"}}})
		if err != nil || res.Failed != nil || len(res.Output) != 1 {
			t.Errorf("Get-Mailbox over Remote PowerShell: %v %+v", err, res)
		}
		s.Close(ctx)
		cancel()
		e.Close()
	}
	if err := (Config{SimulatorListen: "127.0.0.1:1", SimulatorURL: "http://x"}).Validate(); err == nil {
		t.Error("a listen address with an external simulator passed Validate")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
