package eas

import "github.com/easlab/easlab/wbxml"

// Contact is a contact item (MS-ASCNTC): the ApplicationData of a Sync
// command in a contacts folder or the Recipient Information Cache, with the
// Contacts page's properties in token order, then the Contacts2 page's.
// Convert it with DecodeItem and EncodeItem. Picture is a base64 JPEG.
// Alias and WeightedRank (14.0+) come with Recipient Information Cache
// entries.
type Contact struct {
	Anniversary               string      `wbxml:"Contacts:Anniversary,omitempty"`
	AssistantName             string      `wbxml:"Contacts:AssistantName,omitempty"`
	AssistantPhoneNumber      string      `wbxml:"Contacts:AssistantPhoneNumber,omitempty"`
	Birthday                  string      `wbxml:"Contacts:Birthday,omitempty"`
	Body                      *Body       `wbxml:"AirSyncBase:Body,omitempty"`
	Business2PhoneNumber      string      `wbxml:"Contacts:Business2PhoneNumber,omitempty"`
	BusinessAddressCity       string      `wbxml:"Contacts:BusinessAddressCity,omitempty"`
	BusinessAddressCountry    string      `wbxml:"Contacts:BusinessAddressCountry,omitempty"`
	BusinessAddressPostalCode string      `wbxml:"Contacts:BusinessAddressPostalCode,omitempty"`
	BusinessAddressState      string      `wbxml:"Contacts:BusinessAddressState,omitempty"`
	BusinessAddressStreet     string      `wbxml:"Contacts:BusinessAddressStreet,omitempty"`
	BusinessFaxNumber         string      `wbxml:"Contacts:BusinessFaxNumber,omitempty"`
	BusinessPhoneNumber       string      `wbxml:"Contacts:BusinessPhoneNumber,omitempty"`
	CarPhoneNumber            string      `wbxml:"Contacts:CarPhoneNumber,omitempty"`
	Categories                *Categories `wbxml:"Contacts:Categories,omitempty"`
	Children                  *Children   `wbxml:"Contacts:Children,omitempty"`
	CompanyName               string      `wbxml:"Contacts:CompanyName,omitempty"`
	Department                string      `wbxml:"Contacts:Department,omitempty"`
	Email1Address             string      `wbxml:"Contacts:Email1Address,omitempty"`
	Email2Address             string      `wbxml:"Contacts:Email2Address,omitempty"`
	Email3Address             string      `wbxml:"Contacts:Email3Address,omitempty"`
	FileAs                    string      `wbxml:"Contacts:FileAs,omitempty"`
	FirstName                 string      `wbxml:"Contacts:FirstName,omitempty"`
	Home2PhoneNumber          string      `wbxml:"Contacts:Home2PhoneNumber,omitempty"`
	HomeAddressCity           string      `wbxml:"Contacts:HomeAddressCity,omitempty"`
	HomeAddressCountry        string      `wbxml:"Contacts:HomeAddressCountry,omitempty"`
	HomeAddressPostalCode     string      `wbxml:"Contacts:HomeAddressPostalCode,omitempty"`
	HomeAddressState          string      `wbxml:"Contacts:HomeAddressState,omitempty"`
	HomeAddressStreet         string      `wbxml:"Contacts:HomeAddressStreet,omitempty"`
	HomeFaxNumber             string      `wbxml:"Contacts:HomeFaxNumber,omitempty"`
	HomePhoneNumber           string      `wbxml:"Contacts:HomePhoneNumber,omitempty"`
	JobTitle                  string      `wbxml:"Contacts:JobTitle,omitempty"`
	LastName                  string      `wbxml:"Contacts:LastName,omitempty"`
	MiddleName                string      `wbxml:"Contacts:MiddleName,omitempty"`
	MobilePhoneNumber         string      `wbxml:"Contacts:MobilePhoneNumber,omitempty"`
	OfficeLocation            string      `wbxml:"Contacts:OfficeLocation,omitempty"`
	OtherAddressCity          string      `wbxml:"Contacts:OtherAddressCity,omitempty"`
	OtherAddressCountry       string      `wbxml:"Contacts:OtherAddressCountry,omitempty"`
	OtherAddressPostalCode    string      `wbxml:"Contacts:OtherAddressPostalCode,omitempty"`
	OtherAddressState         string      `wbxml:"Contacts:OtherAddressState,omitempty"`
	OtherAddressStreet        string      `wbxml:"Contacts:OtherAddressStreet,omitempty"`
	PagerNumber               string      `wbxml:"Contacts:PagerNumber,omitempty"`
	RadioPhoneNumber          string      `wbxml:"Contacts:RadioPhoneNumber,omitempty"`
	Spouse                    string      `wbxml:"Contacts:Spouse,omitempty"`
	Suffix                    string      `wbxml:"Contacts:Suffix,omitempty"`
	Title                     string      `wbxml:"Contacts:Title,omitempty"`
	WebPage                   string      `wbxml:"Contacts:WebPage,omitempty"`
	YomiCompanyName           string      `wbxml:"Contacts:YomiCompanyName,omitempty"`
	YomiFirstName             string      `wbxml:"Contacts:YomiFirstName,omitempty"`
	YomiLastName              string      `wbxml:"Contacts:YomiLastName,omitempty"`
	Picture                   string      `wbxml:"Contacts:Picture,omitempty"`
	Alias                     string      `wbxml:"Contacts:Alias,omitempty"`
	WeightedRank              int         `wbxml:"Contacts:WeightedRank,omitempty"`
	NativeBodyType            int         `wbxml:"AirSyncBase:NativeBodyType,omitempty"`

	// Contacts2.
	CustomerId       string `wbxml:"Contacts2:CustomerId,omitempty"`
	GovernmentId     string `wbxml:"Contacts2:GovernmentId,omitempty"`
	IMAddress        string `wbxml:"Contacts2:IMAddress,omitempty"`
	IMAddress2       string `wbxml:"Contacts2:IMAddress2,omitempty"`
	IMAddress3       string `wbxml:"Contacts2:IMAddress3,omitempty"`
	ManagerName      string `wbxml:"Contacts2:ManagerName,omitempty"`
	CompanyMainPhone string `wbxml:"Contacts2:CompanyMainPhone,omitempty"`
	AccountName      string `wbxml:"Contacts2:AccountName,omitempty"`
	NickName         string `wbxml:"Contacts2:NickName,omitempty"`
	MMS              string `wbxml:"Contacts2:MMS,omitempty"`

	Extra []*wbxml.Node `wbxml:",any"`
}

// Children lists a contact's children by name.
type Children struct {
	Child []string      `wbxml:"Child"`
	Extra []*wbxml.Node `wbxml:",any"`
}
