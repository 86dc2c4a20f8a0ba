package psrp

import (
	"fmt"

	"github.com/easlab/easlab/powershell/clixml"
)

// ErrorCategory is PowerShell's System.Management.Automation.ErrorCategory.
type ErrorCategory int32

// The error categories, in their enumeration's order.
const (
	NotSpecified ErrorCategory = iota
	OpenError
	CloseError
	DeviceError
	DeadlockDetected
	InvalidArgument
	InvalidData
	InvalidOperation
	InvalidResult
	InvalidType
	MetadataError
	NotImplemented
	NotInstalled
	ObjectNotFound
	OperationStopped
	OperationTimeout
	SyntaxError
	ParserError
	PermissionDenied
	ResourceBusy
	ResourceExists
	ResourceUnavailable
	ReadError
	WriteError
	FromStdErr
	SecurityError
	ProtocolError
	ConnectionError
	AuthenticationError
	LimitsExceeded
	QuotaExceeded
	NotEnabled
)

var categoryNames = []string{"NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected",
	"InvalidArgument", "InvalidData", "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError",
	"NotImplemented", "NotInstalled", "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError",
	"ParserError", "PermissionDenied", "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError",
	"WriteError", "FromStdErr", "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError",
	"LimitsExceeded", "QuotaExceeded", "NotEnabled"}

// String is the category's name.
func (c ErrorCategory) String() string {
	if c >= 0 && int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return fmt.Sprint(int32(c))
}

// ParseErrorCategory reads a category's name; ok is false for an unknown one.
func ParseErrorCategory(name string) (ErrorCategory, bool) {
	for i, n := range categoryNames {
		if n == name {
			return ErrorCategory(i), true
		}
	}
	return NotSpecified, false
}

// ErrorRecord is a PowerShell ErrorRecord as it travels (MS-PSRP
// 2.2.3.15): the exception, the fully qualified error id and the
// category information PowerShell shows.
type ErrorRecord struct {
	Message string
	// ExceptionTypes is the exception's type and its bases, most derived
	// first; System.Exception and System.Object are added when missing.
	ExceptionTypes        []string
	FullyQualifiedErrorID string
	Category              ErrorCategory
	Activity              string // the command, as [Get-MobileDevice]
	Reason                string // the exception's short type name when empty
	TargetName            string
	TargetType            string
	TargetObject          any
}

// Error is the record's message.
func (e *ErrorRecord) Error() string { return e.Message }

func (e *ErrorRecord) reason() string {
	if e.Reason != "" {
		return e.Reason
	}
	if len(e.ExceptionTypes) > 0 {
		t := e.ExceptionTypes[0]
		for i := len(t) - 1; i >= 0; i-- {
			if t[i] == '.' {
				return t[i+1:]
			}
		}
		return t
	}
	return "Exception"
}

// CategoryMessage is what PowerShell prints as CategoryInfo:
// "ObjectNotFound: (alice:String) [Get-MobileDevice], ManagementObjectNotFoundException".
func (e *ErrorRecord) CategoryMessage() string {
	target := ""
	if e.TargetName != "" || e.TargetType != "" {
		target = e.TargetName + ":" + e.TargetType
	} else {
		target = ":"
	}
	return fmt.Sprintf("%s: (%s) [%s], %s", e.Category, target, e.Activity, e.reason())
}

// Object is the record's CLIXML object; writeErrorStream marks one
// written to the error stream (ERROR_RECORD) rather than thrown.
func (e *ErrorRecord) Object(writeErrorStream bool) *clixml.Object {
	types := append([]string(nil), e.ExceptionTypes...)
	if len(types) == 0 {
		types = []string{"System.Management.Automation.RuntimeException", "System.SystemException"}
	}
	for _, base := range []string{"System.Exception", "System.Object"} {
		if types[len(types)-1] != base && !contains(types, base) {
			types = append(types, base)
		}
	}
	exc := &clixml.Object{
		TypeNames: types, ToString: types[0] + ": " + e.Message, HasToString: true,
		Props: []clixml.Property{
			{Name: "Message", Value: e.Message},
			{Name: "Data", Value: &clixml.Object{TypeNames: []string{"System.Collections.ListDictionaryInternal", "System.Object"}, Dict: []clixml.Entry{}}},
			{Name: "InnerException"}, {Name: "TargetSite"}, {Name: "StackTrace"}, {Name: "HelpLink"},
			{Name: "Source", Value: "System.Management.Automation"},
			{Name: "HResult", Value: int32(-2146233087)},
		},
	}
	var ms []clixml.Property
	if writeErrorStream {
		ms = append(ms, clixml.Property{Name: "writeErrorStream", Value: true})
	}
	ms = append(ms,
		clixml.Property{Name: "Exception", Value: exc},
		clixml.Property{Name: "TargetObject", Value: e.TargetObject},
		clixml.Property{Name: "FullyQualifiedErrorId", Value: e.FullyQualifiedErrorID},
		clixml.Property{Name: "InvocationInfo"},
		clixml.Property{Name: "ErrorCategory_Category", Value: int32(e.Category)},
		clixml.Property{Name: "ErrorCategory_Activity", Value: e.Activity},
		clixml.Property{Name: "ErrorCategory_Reason", Value: e.reason()},
		clixml.Property{Name: "ErrorCategory_TargetName", Value: e.TargetName},
		clixml.Property{Name: "ErrorCategory_TargetType", Value: e.TargetType},
		clixml.Property{Name: "ErrorCategory_Message", Value: e.CategoryMessage()},
		clixml.Property{Name: "SerializeExtendedInfo", Value: false},
	)
	return &clixml.Object{
		TypeNames: []string{"System.Management.Automation.ErrorRecord", "System.Object"},
		ToString:  e.Message, HasToString: true, Members: ms,
	}
}

// ErrorRecordFrom reads an ErrorRecord object (a client's view of one).
func ErrorRecordFrom(o *clixml.Object) *ErrorRecord {
	e := &ErrorRecord{
		Message:               o.ToString,
		FullyQualifiedErrorID: o.String("FullyQualifiedErrorId"),
		Activity:              o.String("ErrorCategory_Activity"),
		Reason:                o.String("ErrorCategory_Reason"),
		TargetName:            o.String("ErrorCategory_TargetName"),
		TargetType:            o.String("ErrorCategory_TargetType"),
	}
	if v, ok := o.Get("ErrorCategory_Category"); ok {
		if n, ok := v.(int32); ok {
			e.Category = ErrorCategory(n)
		}
	}
	if v, ok := o.Get("Exception"); ok {
		if x, ok := v.(*clixml.Object); ok {
			e.ExceptionTypes = x.TypeNames
			if m := x.String("Message"); m != "" {
				e.Message = m
			}
		}
	}
	e.TargetObject, _ = o.Get("TargetObject")
	return e
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// InformationalRecord is a warning, verbose or debug record's object
// (MS-PSRP 2.2.3.16): kind is "Warning", "Verbose" or "Debug".
func InformationalRecord(kind, message string) *clixml.Object {
	return &clixml.Object{
		TypeNames: []string{"System.Management.Automation." + kind + "Record", "System.Management.Automation.InformationalRecord", "System.Object"},
		ToString:  message, HasToString: true,
		Members: []clixml.Property{
			{Name: "InformationalRecord_Message", Value: message},
			{Name: "InformationalRecord_SerializeInvocationInfo", Value: false},
		},
	}
}
