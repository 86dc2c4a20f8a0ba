package admin

import (
	"fmt"
	"strings"
)

// exceptions maps an Error's Category to the .NET exception Exchange
// throws for it and the PowerShell ErrorCategory its ErrorRecord carries.
// Exchange's task errors are LocalizedExceptions whose record shows the
// category NotSpecified ("NotSpecified: (:) [Get-MobileDevice],
// ManagementObjectNotFoundException", as Exchange 2013 and later print a
// missing object); the others keep PowerShell's own category.
var exceptions = map[string]struct{ exception, category string }{
	"ManagementObjectNotFound":  {"Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "NotSpecified"},
	"ManagementObjectAmbiguous": {"Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException", "NotSpecified"},
	"ADObjectAlreadyExists":     {"Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException", "NotSpecified"},
	"InvalidData":               {"Microsoft.Exchange.Data.DataValidationException", "InvalidData"},
	"InvalidArgument":           {"System.ArgumentException", "InvalidArgument"},
	"InvalidOperation":          {"System.InvalidOperationException", "InvalidOperation"},
	"ResourceUnavailable":       {"Microsoft.Exchange.Data.Directory.ADTransientException", "ResourceUnavailable"},
	"WriteError":                {"Microsoft.Exchange.Data.Directory.ADOperationException", "WriteError"},
	"ObjectNotFound":            {"System.Management.Automation.CommandNotFoundException", "ObjectNotFound"},
}

// Exception is the full name of the .NET exception Exchange reports for
// the error ("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException");
// an error of no known kind is a TaskException.
func (e *Error) Exception() string {
	if x, ok := exceptions[e.Category]; ok {
		return x.exception
	}
	return "Microsoft.Exchange.Configuration.Tasks.TaskException"
}

// ErrorCategory is the PowerShell ErrorCategory of the error's
// ErrorRecord: NotSpecified for Exchange's directory errors, whose
// Category names the exception instead.
func (e *Error) ErrorCategory() string {
	if x, ok := exceptions[e.Category]; ok {
		return x.category
	}
	return "NotSpecified"
}

// CategoryInfo is the record's CategoryInfo as PowerShell prints it, with
// no target object, as Exchange's task errors have none:
// "NotSpecified: (:) [Get-MobileDevice], ManagementObjectNotFoundException".
func (e *Error) CategoryInfo(cmdlet string) string {
	exc := e.Exception()
	return fmt.Sprintf("%s: (:) [%s], %s", e.ErrorCategory(), cmdlet, exc[strings.LastIndexByte(exc, '.')+1:])
}
