package wbxml_test

import (
	"fmt"
	"log"
	"os"

	"github.com/easlab/easlab/wbxml"
)

// A Ping request (MS-ASCMD 2.2.1.13).
type pingRequest struct {
	WBXMLName         wbxml.Name   `wbxml:"Ping:Ping"`
	HeartbeatInterval int          `wbxml:"HeartbeatInterval,omitempty"`
	Folders           *pingFolders `wbxml:"Folders"`
}

type pingFolders struct {
	Folder []pingFolder `wbxml:"Folder"`
}

type pingFolder struct {
	ID    string `wbxml:"Id"`    // Ping:Id, the namespace of the enclosing element
	Class string `wbxml:"Class"` // Ping:Class
}

func ExampleMarshal() {
	req := pingRequest{
		HeartbeatInterval: 80,
		Folders:           &pingFolders{Folder: []pingFolder{{ID: "5", Class: "Email"}}},
	}
	b, err := wbxml.Marshal(&req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("% X\n", b)
	if err := wbxml.WriteXML(os.Stdout, wbxml.NewBytesDecoder(b)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 03 01 6A 00 00 0D 45 48 03 38 30 00 01 49 4A 4B 03 35 00 01 4C 03 45 6D 61 69 6C 00 01 01 01 01
	// <?xml version="1.0"?>
	// <!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">
	// <Ping xmlns="Ping:">
	//   <HeartbeatInterval>80</HeartbeatInterval>
	//   <Folders>
	//     <Folder>
	//       <Id>5</Id>
	//       <Class>Email</Class>
	//     </Folder>
	//   </Folders>
	// </Ping>
}

func ExampleUnmarshal() {
	// The Ping request vti/plync sends.
	b := []byte("\x03\x01\x6A\x00\x00\x0D\x45\x48\x03" + "80" + "\x00\x01\x49\x4A\x4B\x03" + "5" +
		"\x00\x01\x4C\x03" + "Email" + "\x00\x01\x01\x01\x01")
	var req pingRequest
	if err := wbxml.Unmarshal(b, &req); err != nil {
		log.Fatal(err)
	}
	fmt.Println("heartbeat:", req.HeartbeatInterval)
	for _, f := range req.Folders.Folder {
		fmt.Printf("folder %s (%s)\n", f.ID, f.Class)
	}
	// Output:
	// heartbeat: 80
	// folder 5 (Email)
}

// syncAdd is one <Add> of a Sync's <Commands>.
type syncAdd struct {
	ServerID        string      `wbxml:"ServerId"`
	ApplicationData *wbxml.Node `wbxml:"ApplicationData"` // kept raw; nil if absent
}

// The Sync handler walks <Commands> token by token and unmarshals one
// command at a time, in document order.
func ExampleDecoder_DecodeElement() {
	b := []byte("\x03\x01\x6A\x00\x56" +
		"\x47\x4D\x03" + "1:1" + "\x00\x01\x5D\x00\x01\x5F\x03" + "Don" + "\x00\x01\x01\x01" +
		"\x00\x00\x49\x4D\x03" + "1:2" + "\x00\x01\x01" +
		"\x01")
	d := wbxml.NewBytesDecoder(b)
	if _, err := d.Token(); err != nil { // <Commands>
		log.Fatal(err)
	}
	for {
		t, err := d.Token()
		if err != nil {
			log.Fatal(err)
		}
		if t.Kind == wbxml.EndElement { // </Commands>
			break
		}
		var cmd syncAdd
		if err := d.DecodeElement(&cmd, t); err != nil {
			log.Fatal(err)
		}
		fmt.Print(t.Tag.Name, " ", cmd.ServerID)
		if cmd.ApplicationData != nil {
			fmt.Print(" ", cmd.ApplicationData.Find(wbxml.Lookup("Contacts", "FirstName")).Text())
		}
		fmt.Println()
	}
	// Output:
	// Add 1:1 Don
	// Delete 1:2
}
