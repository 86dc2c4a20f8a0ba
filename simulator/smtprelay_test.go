package simulator_test

import (
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
)

// smtpSink is a minimal SMTP server on loopback that keeps what it is
// sent, standing in for a mail catcher.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	rcpts []string
	data  string
}

func newSMTPSink() *smtpSink {
	GinkgoHelper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	s := &smtpSink{ln: ln}
	DeferCleanup(ln.Close)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 sink ESMTP")
	var m sunkMail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			tp.PrintfLine("250 sink")
		case "MAIL":
			m = sunkMail{}
			tp.PrintfLine("250 OK")
		case "RCPT":
			m.rcpts = append(m.rcpts, strings.Trim(strings.TrimPrefix(strings.TrimPrefix(line, "RCPT TO:"), " "), "<>"))
			tp.PrintfLine("250 OK")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			m.data = string(b)
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			tp.PrintfLine("250 OK")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 OK")
		}
	}
}

func (s *smtpSink) mails() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

var _ = Describe("SMTP relay", func() {
	It("sends the user and admin notices to the relay as well", func() {
		sink := newSMTPSink()
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, SMTPRelay: sink.ln.Addr().String()})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) {
			s.DefaultAccessLevel = access.LevelQuarantine
			s.AdminMailRecipients = []string{"admin@contoso.com", "secops@fabrikam.com"}
		})
		env.Device("alice", "RELAY1", eas.Version141).Provision()
		Eventually(sink.mails).Should(HaveLen(2))
		var rcpts []string
		for _, m := range sink.mails() {
			rcpts = append(rcpts, strings.Join(m.rcpts, ","))
			Expect(m.data).To(ContainSubstring("Subject:"))
		}
		Expect(rcpts).To(ConsistOf("alice@contoso.com", "admin@contoso.com,secops@fabrikam.com"))
	})
})
