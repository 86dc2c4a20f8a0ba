package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASAIRS S05: the structured Location of a calendar item (16.0 and
// later).

// MSASAIRS_S05_TC01: an appointment added with a Location loses it when a
// Change sends an empty Location.
func TestMSASAIRS_S05_TC01_Location(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version160), func(t *testing.T, s *site) {
		c := airsLab(s)
		calendar := c.folder(eas.FolderTypeCalendar)
		subject := c.name("Subject")
		f := func(v float64) *float64 { return &v }
		app, err := eas.EncodeItem(&eas.Calendar{Subject: subject, MeetingStatus: airsPtr(0), Location16: &eas.Location{
			Accuracy: f(1), Altitude: f(55.46), AltitudeAccuracy: f(1), Annotation: "Location sample annotation", City: "Location sample city",
			Country: "Location sample country", DisplayName: "Location sample dislay name", Latitude: f(11.56), LocationUri: "Location Uri",
			Longitude: f(1.9), PostalCode: "Location sample postal code", State: "Location sample state", Street: "Location sample street",
		}})
		s.must(err, "encoding the appointment")
		r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey: c.initialSyncKey(calendar), CollectionId: calendar, GetChanges: eas.NewBool(true), WindowSize: 100,
			Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ClientId: airsClientID(), ApplicationData: app}},
		}}}})
		if col := cmdCollection(r); col == nil || len(col.Responses) == 0 || col.Responses[0].Status != 1 {
			t.Fatal("the Sync that adds the appointment did not succeed")
		}
		it := c.getSyncResult(subject, calendar, nil, nil)
		before, _ := c.getItemOperationsResult(calendar, it.serverID, nil, nil, false)
		var added eas.Calendar
		s.must(eas.DecodeItem(before.data, &added), "decoding the appointment")
		if added.Location16 == nil || added.Location16.DisplayName == "" {
			t.Fatal("the appointment added with a Location has none")
		}

		change := eas.SyncCommand{Kind: eas.SyncChange, ServerId: it.serverID,
			ApplicationData: wbxml.NewElement(cmdTag("AirSync:ApplicationData"), cmdNode("AirSyncBase:Location"))}
		r = c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey: c.syncKey, CollectionId: calendar, Commands: eas.SyncCommands{change},
		}}}})
		if col := cmdCollection(r); col == nil || col.Status != 1 {
			t.Fatal("the Sync that empties the Location did not succeed")
		}
		it = c.getSyncResult(subject, calendar, nil, nil)
		fetched, _ := c.getItemOperationsResult(calendar, it.serverID, nil, nil, false)
		var cal eas.Calendar
		s.must(eas.DecodeItem(fetched.data, &cal), "decoding the appointment")
		name := ""
		if cal.Location16 != nil {
			name = cal.Location16.DisplayName
		}
		s.equal(1001013, "the Location's DisplayName after an empty Location", "", name)
	})
}
