package harness_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/easlab/easlab/harness"
)

// The mock MFA provider as a product sees it: a push, then its status.
func ExampleMFAProvider() {
	mfa := harness.NewMFAProvider([]harness.Person{{UPN: "alice@contoso.com", SMTP: "alice@contoso.com", DisplayName: "Alice Wilber"}})
	defer mfa.Close()

	body, _ := json.Marshal(map[string]any{"user": "alice@contoso.com", "displayName": "Alice Wilber",
		"device": map[string]string{"id": "ApplF17XY2ZZ", "type": "iPhone"}})
	resp, _ := http.Post(mfa.URL()+"/v1/push", "application/json", bytes.NewReader(body))
	var created struct{ PushID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()

	// The spec answers as the user would.
	mfa.Approve(created.PushID)

	resp, _ = http.Get(mfa.URL() + "/v1/push/" + created.PushID + "?wait=10")
	var st struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	fmt.Println(st.Status, len(mfa.PushesFor("ApplF17XY2ZZ")))
	// Output: approved 1
}
