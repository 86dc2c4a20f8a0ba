// Package oracle runs libwbxml (Debian libwbxml2-utils), a C implementation
// of WBXML by other authors, as an independent check of easlab's encoding,
// and knows where its vocabulary differs from MS-ASWBXML. Tests of any
// package use it; it imports nothing of easlab.
package oracle

// Results of probing libwbxml 0.11.8 (Debian libwbxml2-utils) with
// wbxml2xml -l ACTIVESYNC: one stream per page 0..25 and token 0x05..0x3F,
// each an empty root element, e.g. 03 01 6A 00 00 02 19 -> <Reply-To
// xmlns="Email:"/>. Tokens it does not know come out as <unknown>.

// Names maps "Namespace:Name" of every non-legacy tag to the element
// name libwbxml prints for its token, where the two differ. All tokens agree.
var Names = map[string]string{
	"Contacts:AssistantPhoneNumber":                     "AssistantTelephoneNumber",
	"Contacts:BusinessAddressCity":                      "BusinessCity",
	"Contacts:BusinessAddressCountry":                   "BusinessCountry",
	"Contacts:BusinessAddressPostalCode":                "BusinessPostalCode",
	"Contacts:BusinessAddressState":                     "BusinessState",
	"Contacts:BusinessAddressStreet":                    "BusinessStreet",
	"Contacts:HomeAddressCity":                          "HomeCity",
	"Contacts:HomeAddressCountry":                       "HomeCountry",
	"Contacts:HomeAddressPostalCode":                    "HomePostalCode",
	"Contacts:HomeAddressState":                         "HomeState",
	"Contacts:HomeAddressStreet":                        "HomeStreet",
	"Contacts:OtherAddressCity":                         "OtherCity",
	"Contacts:OtherAddressCountry":                      "OtherCountry",
	"Contacts:OtherAddressPostalCode":                   "OtherPostalCode",
	"Contacts:OtherAddressState":                        "OtherState",
	"Contacts:OtherAddressStreet":                       "OtherStreet",
	"Email:Att0id":                                      "AttOId",
	"Email:ReplyTo":                                     "Reply-To",
	"Email:DtStamp":                                     "DTStamp",
	"Email:Type":                                        "Recurrence_Type",
	"Email:Until":                                       "Recurrence_Until",
	"Email:Occurrences":                                 "Recurrence_Occurrences",
	"Email:Interval":                                    "Recurrence_Interval",
	"Email:DayOfWeek":                                   "Recurrence_DayOfWeek",
	"Email:DayOfMonth":                                  "Recurrence_DayOfMonth",
	"Email:WeekOfMonth":                                 "Recurrence_WeekOfMonth",
	"Email:MonthOfYear":                                 "Recurrence_MonthOfYear",
	"Email:Status":                                      "FlagStatus",
	"Calendar:Timezone":                                 "TimeZone",
	"Calendar:Email":                                    "Attendee_Email",
	"Calendar:Name":                                     "Attendee_Name",
	"Calendar:DtStamp":                                  "DTStamp",
	"Calendar:Deleted":                                  "Exception_Deleted",
	"Calendar:ExceptionStartTime":                       "Exception_StartTime",
	"Calendar:OrganizerEmail":                           "Organizer_Email",
	"Calendar:OrganizerName":                            "Organizer_Name",
	"Calendar:Type":                                     "Recurrence_Type",
	"Calendar:Until":                                    "Recurrence_Until",
	"Calendar:Occurrences":                              "Recurrence_Occurrences",
	"Calendar:Interval":                                 "Recurrence_Interval",
	"Calendar:DayOfWeek":                                "Recurrence_DayOfWeek",
	"Calendar:DayOfMonth":                               "Recurrence_DayOfMonth",
	"Calendar:WeekOfMonth":                              "Recurrence_WeekOfMonth",
	"Calendar:MonthOfYear":                              "Recurrence_MonthOfYear",
	"Calendar:AttendeeStatus":                           "Attendee_Status",
	"Calendar:AttendeeType":                             "Attendee_Type",
	"Tasks:UtcDueDate":                                  "UTCDueDate",
	"Tasks:Type":                                        "Recurrence_Type",
	"Tasks:Start":                                       "Recurrence_Start",
	"Tasks:Until":                                       "Recurrence_Until",
	"Tasks:Occurrences":                                 "Recurrence_Occurrences",
	"Tasks:Interval":                                    "Recurrence_Interval",
	"Tasks:DayOfMonth":                                  "Recurrence_DayOfMonth",
	"Tasks:DayOfWeek":                                   "Recurrence_DayOfWeek",
	"Tasks:WeekOfMonth":                                 "Recurrence_WeekOfMonth",
	"Tasks:MonthOfYear":                                 "Recurrence_MonthOfYear",
	"Tasks:Regenerate":                                  "Recurrence_Regenerate",
	"Tasks:DeadOccur":                                   "Recurrence_DeadOccur",
	"Tasks:UtcStartDate":                                "UTCStartDate",
	"Provision:RequireStorageCardEncryption":            "DeviceEncryptionEnabled",
	"Settings:SMTPAddress":                              "SmtpAddress",
	"Settings:RightsManagementInformation":              "ihsManagementInformation",
	"ComposeMail:Mime":                                  "MIME",
	"ComposeMail:Name":                                  "ForwardeeName",
	"ComposeMail:Email":                                 "ForwardeeEmail",
	"RightsManagement:Owner":                            "RMOwner",
	"RightsManagement:RemoveRightsManagementProtection": "RemoveRightsManagementDistribution",
}

// Namespaces maps our page namespaces to the xmlns libwbxml prints
// (without the trailing colon), where they differ. xml2wbxml does not know
// "GAL:" either: it encodes <Data xmlns="GAL:"> as ResolveRecipients:Data.
var Namespaces = map[string]string{
	"GAL": "Gal",
}

// Missing lists the non-legacy tags libwbxml decodes as <unknown>,
// with the reason.
var Missing = map[string]string{
	"MeetingResponse:ProposedStartTime": "libwbxml 0.11.8 lacks this 16.1 token",
	"MeetingResponse:ProposedEndTime":   "libwbxml 0.11.8 lacks this 16.1 token",
	"Provision:AccountOnlyRemoteWipe":   "libwbxml 0.11.8 lacks this 16.1 token",
	"Find:Find":                         "libwbxml 0.11.8 has no code page 25",
	"Find:SearchId":                     "libwbxml 0.11.8 has no code page 25",
	"Find:ExecuteSearch":                "libwbxml 0.11.8 has no code page 25",
	"Find:MailBoxSearchCriterion":       "libwbxml 0.11.8 has no code page 25",
	"Find:Query":                        "libwbxml 0.11.8 has no code page 25",
	"Find:Status":                       "libwbxml 0.11.8 has no code page 25",
	"Find:FreeText":                     "libwbxml 0.11.8 has no code page 25",
	"Find:Options":                      "libwbxml 0.11.8 has no code page 25",
	"Find:Range":                        "libwbxml 0.11.8 has no code page 25",
	"Find:DeepTraversal":                "libwbxml 0.11.8 has no code page 25",
	"Find:Response":                     "libwbxml 0.11.8 has no code page 25",
	"Find:Result":                       "libwbxml 0.11.8 has no code page 25",
	"Find:Properties":                   "libwbxml 0.11.8 has no code page 25",
	"Find:Preview":                      "libwbxml 0.11.8 has no code page 25",
	"Find:HasAttachments":               "libwbxml 0.11.8 has no code page 25",
	"Find:Total":                        "libwbxml 0.11.8 has no code page 25",
	"Find:DisplayCc":                    "libwbxml 0.11.8 has no code page 25",
	"Find:DisplayBcc":                   "libwbxml 0.11.8 has no code page 25",
	"Find:GalSearchCriterion":           "libwbxml 0.11.8 has no code page 25",
	"Find:MaxPictures":                  "libwbxml 0.11.8 has no code page 25",
	"Find:MaxSize":                      "libwbxml 0.11.8 has no code page 25",
	"Find:Picture":                      "libwbxml 0.11.8 has no code page 25",
}

// Opaque lists the tags xml2wbxml -a -n -v 1.3 encodes as OPAQUE
// (0xC3) when given base64 text content. Sweeping every name libwbxml knows
// found exactly these eight; all others came out as STR_I. libwbxml writes
// the base64-decoded bytes.
var Opaque = map[string]bool{
	"ResolveRecipients:Data":        true,
	"Search:ConversationId":         true,
	"GAL:Data":                      true,
	"AirSyncBase:Content":           true,
	"ItemOperations:ConversationId": true,
	"ComposeMail:Mime":              true,
	"Email2:ConversationId":         true,
	"Email2:ConversationIndex":      true,
}
