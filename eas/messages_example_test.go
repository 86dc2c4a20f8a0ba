package eas_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// A client's first Sync of its Inbox: SyncKey 0, then the options it will
// use for the collection.
func ExampleSyncRequest() {
	req := eas.SyncRequest{
		Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey:      "0",
			CollectionId: "5",
			Options: []eas.SyncOptions{{
				FilterType:     new(eas.FilterTypeOneWeek),
				BodyPreference: []eas.BodyPreference{{Type: eas.BodyTypeHTML, TruncationSize: 51200}},
			}},
		}}},
	}
	b, err := wbxml.Marshal(&req)
	if err != nil {
		log.Fatal(err)
	}
	if err := wbxml.WriteXML(os.Stdout, wbxml.NewBytesDecoder(b)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <?xml version="1.0"?>
	// <!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">
	// <Sync xmlns="AirSync:">
	//   <Collections>
	//     <Collection>
	//       <SyncKey>0</SyncKey>
	//       <CollectionId>5</CollectionId>
	//       <Options>
	//         <FilterType>3</FilterType>
	//         <BodyPreference xmlns="AirSyncBase:">
	//           <Type>2</Type>
	//           <TruncationSize>51200</TruncationSize>
	//         </BodyPreference>
	//       </Options>
	//     </Collection>
	//   </Collections>
	// </Sync>
}

// A client reads the e-mails of a Sync response: the commands come in
// document order, and each Add's ApplicationData decodes into an Email.
func ExampleDecodeItem() {
	f, err := os.Open("../wbxml/testdata/corpus/15-sync-response-email-add.xml")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var body bytes.Buffer // the WBXML body of the HTTP response
	if err := wbxml.EncodeXML(&body, f); err != nil {
		log.Fatal(err)
	}

	var resp eas.SyncResponse
	if err := wbxml.Unmarshal(body.Bytes(), &resp); err != nil {
		log.Fatal(err)
	}
	for _, coll := range resp.Collections.Collection {
		fmt.Printf("collection %s, new key %s, more: %v\n", coll.CollectionId, coll.SyncKey, coll.MoreAvailable)
		for _, cmd := range coll.Commands {
			if cmd.Kind != eas.SyncAdd {
				continue
			}
			var m eas.Email
			if err := eas.DecodeItem(cmd.ApplicationData, &m); err != nil {
				log.Fatal(err)
			}
			received, _ := eas.ParseDate(m.DateReceived)
			fmt.Printf("%s %s read=%v %q\n", cmd.ServerId, received.Format("Jan 2 15:04"), *m.Read, m.Subject)
		}
	}
	// Output:
	// collection 5, new key 1529786302, more: true
	// 5:12 Nov 23 09:15 read=false "Quartalsbericht Q3 – Entwurf für Freigabe"
	// 5:13 Nov 23 11:02 read=true "週末の予定について 🎉"
	// 5:14 Nov 23 13:27 read=false "Voice Mail from +49 30 1234567 (0:42)"
}

// A server answers a Sync with a new message: EncodeItem turns the Email
// into the command's ApplicationData.
func ExampleEncodeItem() {
	data, err := eas.EncodeItem(&eas.Email{
		From:    `"Anna Schmidt" <anna.schmidt@contoso.com>`,
		Subject: "Lunch?",
		Read:    new(false),
		Body:    &eas.Body{Type: eas.BodyTypePlainText, EstimatedDataSize: new(6), Truncated: new(false), Data: "12:30?"},
	})
	if err != nil {
		log.Fatal(err)
	}
	resp := eas.SyncResponse{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: "2", CollectionId: "5", Status: 1,
		Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ServerId: "5:20", ApplicationData: data}},
	}}}}
	b, err := wbxml.Marshal(&resp)
	if err != nil {
		log.Fatal(err)
	}
	if err := wbxml.WriteXML(os.Stdout, wbxml.NewBytesDecoder(b)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <?xml version="1.0"?>
	// <!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">
	// <Sync xmlns="AirSync:">
	//   <Collections>
	//     <Collection>
	//       <SyncKey>2</SyncKey>
	//       <CollectionId>5</CollectionId>
	//       <Status>1</Status>
	//       <Commands>
	//         <Add>
	//           <ServerId>5:20</ServerId>
	//           <ApplicationData>
	//             <From xmlns="Email:">&quot;Anna Schmidt&quot; &lt;anna.schmidt@contoso.com&gt;</From>
	//             <Subject xmlns="Email:">Lunch?</Subject>
	//             <Read xmlns="Email:">0</Read>
	//             <Body xmlns="AirSyncBase:">
	//               <Type>1</Type>
	//               <EstimatedDataSize>6</EstimatedDataSize>
	//               <Truncated>0</Truncated>
	//               <Data>12:30?</Data>
	//             </Body>
	//           </ApplicationData>
	//         </Add>
	//       </Commands>
	//     </Collection>
	//   </Collections>
	// </Sync>
}
