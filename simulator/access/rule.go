package access

import (
	"strconv"
	"unicode/utf16"
)

// Rule is an ActiveSync device access rule, as
// Get-ActiveSyncDeviceAccessRule shows it. Its Identity is its Name.
type Rule struct {
	Name           string // "<QueryString> (<Characteristic>)"; see RuleName
	QueryString    string // matched whole, ignoring case; no wildcards
	Characteristic Characteristic
	AccessLevel    Level
	Guid           string // the AD object's GUID, assigned by whoever stores the rule; Decide ignores it
}

// NewRule returns the rule New-ActiveSyncDeviceAccessRule
// creates, named as Exchange names it. Guid is left to the caller.
func NewRule(queryString string, c Characteristic, level Level) Rule {
	return Rule{
		Name:           RuleName(queryString, c),
		QueryString:    queryString,
		Characteristic: c,
		AccessLevel:    level,
	}
}

// maxRuleNameLength is the longest rule name, in UTF-16 code units
// (NewActiveSyncDeviceAccessRule.MaxRuleNameLength).
const maxRuleNameLength = 64

// RuleName returns the name New-ActiveSyncDeviceAccessRule
// builds for a rule: "<QueryString> (<Characteristic>)". A name longer than
// 64 UTF-16 code units keeps its start and ends in
// "<hash> (<Characteristic>)" so that it fits (S1
// NewActiveSyncDeviceAccessRule.BuildRuleName). The hash is .NET
// Framework's 64-bit, non-randomized String.GetHashCode of the full name;
// that Exchange's process uses exactly this variant is UNCONFIRMED, but it
// only affects names over 64 characters.
func RuleName(queryString string, c Characteristic) string {
	name := queryString + " (" + c.String() + ")"
	u := utf16.Encode([]rune(name))
	if len(u) <= maxRuleNameLength {
		return name
	}
	tail := strconv.Itoa(int(dotNetStringHash(u))) + " (" + c.String() + ")" // ASCII: bytes = code units
	return string(utf16.Decode(u[:maxRuleNameLength-len(tail)])) + tail
}

// dotNetStringHash is String.GetHashCode of .NET Framework on 64-bit
// processes without randomized hashing: two interleaved djb2-xor hashes
// over the UTF-16 code units, stopping at a NUL.
func dotNetStringHash(u []uint16) int32 {
	h1, h2 := int32(5381), int32(5381)
	for i := 0; i < len(u) && u[i] != 0; i += 2 {
		h1 = (h1<<5 + h1) ^ int32(u[i])
		if i+1 == len(u) || u[i+1] == 0 {
			break
		}
		h2 = (h2<<5 + h2) ^ int32(u[i+1])
	}
	return h1 + h2*1566083941
}
