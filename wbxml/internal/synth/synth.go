// Package synth builds large, realistic EAS WBXML documents for benchmarks:
// Sync responses full of e-mails with HTML bodies, as Exchange sends them to
// a phone after a long time offline.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/easlab/easlab/wbxml"
)

var words = strings.Fields(`quarterly report meeting agenda project budget review customer
	invoice shipping delayed please confirm attached schedule tomorrow morning thanks regards
	Grüße résumé naïve 会議 予定 approval security device mailbox exchange server contoso fabrikam`)

func tag(q string) *wbxml.Tag {
	t := wbxml.LookupQualified(q)
	if t == nil {
		panic("synth: unknown tag " + q)
	}
	return t
}

// SyncResponse returns a Sync response of at least size bytes: one Inbox
// collection whose Commands add e-mails with HTML bodies of a few kilobytes.
// The same size always gives the same bytes.
func SyncResponse(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	e := wbxml.NewEncoder(nil)
	e.Start(tag("AirSync:Sync"))
	e.Start(tag("AirSync:Collections"))
	e.Start(tag("AirSync:Collection"))
	e.Element(tag("AirSync:SyncKey"), "{7F3C1D52-9B1E-4C8A-A3D4-2B6E0F9C1A77}2")
	e.Element(tag("AirSync:CollectionId"), "5")
	e.Element(tag("AirSync:Status"), "1")
	e.Start(tag("AirSync:Commands"))
	convID := make([]byte, 16)
	var body strings.Builder
	for i := 0; len(e.Bytes()) < size; i++ {
		subject := sentence(r, 4+r.IntN(6))
		body.Reset()
		body.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>")
		for p := 0; p < 3+r.IntN(8); p++ {
			body.WriteString("<p>")
			body.WriteString(sentence(r, 30+r.IntN(60)))
			body.WriteString("</p>\r\n")
		}
		body.WriteString("</body></html>")
		for j := range convID {
			convID[j] = byte(r.Uint32())
		}
		e.Start(tag("AirSync:Add"))
		e.Element(tag("AirSync:ServerId"), fmt.Sprintf("5:%d", i+1))
		e.Start(tag("AirSync:ApplicationData"))
		e.Element(tag("Email:To"), fmt.Sprintf(`"User %[1]d" <user%05[1]d@contoso.com>`, i%500))
		e.Element(tag("Email:From"), fmt.Sprintf(`"Sender %[1]d" <sender%[1]d@fabrikam.com>`, r.IntN(100)))
		e.Element(tag("Email:Subject"), subject)
		e.Element(tag("Email:DateReceived"), fmt.Sprintf("2026-11-%02dT%02d:%02d:00.000Z", 1+i%28, i%24, i%60))
		e.Element(tag("Email:DisplayTo"), fmt.Sprintf("User %d", i%500))
		e.Element(tag("Email:ThreadTopic"), subject)
		e.Element(tag("Email:Importance"), "1")
		e.Element(tag("Email:Read"), fmt.Sprint(r.IntN(2)))
		e.Start(tag("AirSyncBase:Body"))
		e.Element(tag("AirSyncBase:Type"), "2")
		e.Element(tag("AirSyncBase:EstimatedDataSize"), fmt.Sprint(body.Len()))
		e.Element(tag("AirSyncBase:Data"), body.String())
		e.End()
		e.Element(tag("Email:MessageClass"), "IPM.Note")
		e.Element(tag("Email:InternetCPID"), "65001")
		e.Empty(tag("Email:Flag"))
		e.Element(tag("Email:ContentClass"), "urn:content-classes:message")
		e.Element(tag("AirSyncBase:NativeBodyType"), "2")
		e.Start(tag("Email2:ConversationId"))
		e.Opaque(convID)
		e.End()
		e.Start(tag("Email2:ConversationIndex"))
		e.Opaque(convID[:5])
		e.End()
		e.Start(tag("Email:Categories"))
		e.Element(tag("Email:Category"), "Work")
		e.End()
		e.End() // ApplicationData
		e.End() // Add
	}
	e.End() // Commands
	e.Empty(tag("AirSync:MoreAvailable"))
	e.End() // Collection
	e.End() // Collections
	e.End() // Sync
	if err := e.Close(); err != nil {
		panic(err)
	}
	return e.Bytes()
}

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}
