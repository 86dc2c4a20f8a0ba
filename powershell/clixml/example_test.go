package clixml_test

import (
	"fmt"

	"github.com/easlab/easlab/powershell/clixml"
)

func ExampleMarshal() {
	// @{Add="ApplX1"}
	table := &clixml.Object{
		TypeNames: []string{"System.Collections.Hashtable", "System.Object"},
		Dict:      []clixml.Entry{{Key: "Add", Value: "ApplX1"}},
	}
	b, err := clixml.Marshal(table)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	// An object with type names, a ToString and a member.
	mbx := &clixml.Object{
		TypeNames:   []string{"Microsoft.Exchange.Data.Directory.Management.Mailbox", "System.Object"},
		ToString:    "Alice",
		HasToString: true,
		Members:     []clixml.Property{{Name: "DisplayName", Value: "Alice"}},
	}
	b, err = clixml.Marshal(mbx)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	v, err := clixml.Unmarshal(b)
	if err != nil {
		panic(err)
	}
	o := v.(*clixml.Object)
	fmt.Println(o.String("displayname"), o.DeserializedTypeNames()[0])
	// Output:
	// <Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">Add</S><S N="Value">ApplX1</S></En></DCT></Obj>
	// <Obj RefId="0"><TN RefId="0"><T>Microsoft.Exchange.Data.Directory.Management.Mailbox</T><T>System.Object</T></TN><ToString>Alice</ToString><MS><S N="DisplayName">Alice</S></MS></Obj>
	// Alice Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox
}
