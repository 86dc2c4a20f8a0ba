package store_test

import (
	"fmt"
	"log"
	"os"

	"github.com/easlab/easlab/simulator/store"
)

func ExampleOpenSQLite() {
	dir, err := os.MkdirTemp("", "easlab-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.OpenSQLite(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// One transaction: all of it is kept, or (if fn fails) none.
	err = s.Update(func(tx store.Tx) error {
		if err := tx.PutMailbox(store.Mailbox{Address: "Alice@Contoso.com", DisplayName: "Alice"}); err != nil {
			return err
		}
		return tx.PutDevice(store.Device{Mailbox: "alice@contoso.com", DeviceID: "ANDROIDC1", AccessState: "Allowed"})
	})
	if err != nil {
		log.Fatal(err)
	}

	st, err := s.Load()
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range st.Devices {
		fmt.Println(d.Mailbox, d.DeviceID, d.AccessState)
	}
	// Output: Alice@Contoso.com ANDROIDC1 Allowed
}
