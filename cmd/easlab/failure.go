package main

import (
	"regexp"
	"strings"
)

// gomegaPreamble is the line Gomega puts before an Eventually's or a
// Consistently's message ("Timed out after 10.000s.").
var gomegaPreamble = regexp.MustCompile(`^(Timed out|Timed out while waiting on TryAgainAfter|Failed|Context was cancelled( \(cause: .*\))?|No future change is possible\.\s+Bailing out early|Told to stop trying.*) after [0-9.]+s\.$`)

// gomegaType is the type and address Gomega puts before a value.
var gomegaType = regexp.MustCompile(`^<[^>]*>:\s*`)

// gomegaIntros are lines that only introduce what follows them.
var gomegaIntros = []string{
	"The function passed to Eventually returned the following error:",
	"The function passed to Consistently returned the following error:",
	"The matcher passed to Eventually returned the following error:",
	"The matcher passed to Consistently returned the following error:",
}

// maxSentence caps a summary line.
const maxSentence = 300

// failureSentence is the sentence of a failure message a vendor reads
// first: the spec's own description of the broken promise, not Gomega's
// "Timed out after 10.000s." nor the matcher's dump that follows it. A
// message without a description gives the matcher's words, on one line.
func failureSentence(msg string) string {
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" && !gomegaPreamble.MatchString(l) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return clip(strings.TrimSpace(msg))
	}
	s := lines[0]
	switch {
	case s == "Expected" || strings.HasPrefix(s, "Expected "):
		// Gomega's own words: "Expected", the value, "to equal", the value.
		s = strings.Join(lines[:min(len(lines), 4)], " ")
	case len(lines) > 1 && isIntro(s):
		// Then Gomega's rendering of the error: "<*T | 0x...>: " and its
		// text on that line or the next.
		for _, l := range lines[1:] {
			if l = gomegaType.ReplaceAllString(l, ""); l != "" {
				s += " " + l
				break
			}
		}
	}
	return clip(strings.Join(strings.Fields(s), " "))
}

func isIntro(l string) bool {
	for _, i := range gomegaIntros {
		if l == i {
			return true
		}
	}
	return false
}

// clip shortens s to maxSentence characters.
func clip(s string) string {
	if len(s) <= maxSentence {
		return s
	}
	return s[:maxSentence] + "..."
}
