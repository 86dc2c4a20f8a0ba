package main

import "testing"

// Real failure messages of the scenarios (from runs against the broken
// examples and fake products) and the sentence the summary gives.
func TestFailureSentence(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{ // Eventually with a description: Gomega's preamble comes first.
			"Timed out after 10.000s.\nthe product did not send exactly one push for the new iphone 4O7GU6G6B4SAW8J8WYGHEEW0PK of megan.bowen@contoso.com within the 10s push deadline (--push-deadline)\nExpected\n    <[]harness.Push | len:0, cap:0>: nil\nto have length 1",
			"the product did not send exactly one push for the new iphone 4O7GU6G6B4SAW8J8WYGHEEW0PK of megan.bowen@contoso.com within the 10s push deadline (--push-deadline)",
		},
		{ // Consistently.
			"Failed after 0.101s.\nthe ipad RNXW1D3E8GC339XOT3YRQNM7W3 received its owner's mail although only the owner's other device was approved\nExpected\n    <bool>: true\nto be false",
			"the ipad RNXW1D3E8GC339XOT3YRQNM7W3 received its owner's mail although only the owner's other device was approved",
		},
		{ // A custom matcher under a description.
			"Timed out after 10.001s.\na new device must be quarantined until its owner approves it\nExpected the partnership of M8GDM3M7MCF6WXNKX1M76RPKYV to be Quarantined, Exchange shows it Allowed (Individual)",
			"a new device must be quarantined until its owner approves it",
		},
		{ // A custom matcher without one: its own sentence.
			"Timed out after 10.001s.\nExpected the partnership of 053AWLDFM9LLZC9W71VYUPSZEK to be Quarantined, Exchange shows it Allowed (Individual)",
			"Expected the partnership of 053AWLDFM9LLZC9W71VYUPSZEK to be Quarantined, Exchange shows it Allowed (Individual)",
		},
		{ // Expect (no preamble) with a description.
			"an unapproved device got a message (ItemOperations Fetch)\nExpected an error to have occurred.  Got:\n    <nil>: nil",
			"an unapproved device got a message (ItemOperations Fetch)",
		},
		{ // The SLA, with the description after the preamble.
			"Timed out after 15.100s.\nthe iphone ABC did not receive its owner's mail within the 15s approval SLA (--approval-sla) after the push was approved (last error: <nil>)\nExpected\n    <bool>: false\nto be true",
			"the iphone ABC did not receive its owner's mail within the 15s approval SLA (--approval-sla) after the push was approved (last error: <nil>)",
		},
		{ // Gomega's words only: on one line.
			"Expected\n    <int>: 2\nto equal\n    <int>: 1",
			"Expected <int>: 2 to equal <int>: 1",
		},
		{ // An error returned to Eventually.
			"Timed out after 10.000s.\nThe function passed to Eventually returned the following error:\n    <*errors.errorString | 0xc000>: \n    no partnership of X in alice's mailbox\n    {s: \"no partnership\"}",
			"The function passed to Eventually returned the following error: no partnership of X in alice's mailbox",
		},
		{ // The harness could not start the product.
			"the test environment did not start: the agent exited at start (exit status 2); its last output: \"fake agent: license expired\"\nharness: the agent exited at start (exit status 2):\n---- easlab: start #1: ./agent\nfake agent: license expired\n---- easlab: exited: exit status 2\n",
			"the test environment did not start: the agent exited at start (exit status 2); its last output: \"fake agent: license expired\"",
		},
		{"Timed out after 10.000s.", "Timed out after 10.000s."},
		{"", ""},
	} {
		if got := failureSentence(c.msg); got != c.want {
			t.Errorf("failureSentence(%q)\n got %q\nwant %q", c.msg, got, c.want)
		}
	}
}
