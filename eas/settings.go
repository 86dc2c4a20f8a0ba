package eas

import "github.com/easlab/easlab/wbxml"

// SettingsRequest is a Settings request (MS-ASCMD 2.2.1.18, 12.0+): any of
// getting or setting the out-of-office settings, sending the device's
// information, setting the recovery password, and getting the user's
// addresses and IRM templates.
type SettingsRequest struct {
	WBXMLName                   wbxml.Name                   `wbxml:"Settings:Settings"`
	Oof                         *Oof                         `wbxml:"Oof,omitempty"`
	DeviceInformation           *DeviceInformation           `wbxml:"DeviceInformation,omitempty"`
	DevicePassword              *DevicePassword              `wbxml:"DevicePassword,omitempty"`
	UserInformation             *UserInformation             `wbxml:"UserInformation,omitempty"`
	RightsManagementInformation *RightsManagementInformation `wbxml:"RightsManagementInformation,omitempty"`
	Extra                       []*wbxml.Node                `wbxml:",any"`
}

// SettingsResponse answers a Settings request: a Status for the whole
// request and one for each part it had.
type SettingsResponse struct {
	WBXMLName                   wbxml.Name                   `wbxml:"Settings:Settings"`
	Status                      int                          `wbxml:"Status"`
	Oof                         *Oof                         `wbxml:"Oof,omitempty"`
	DeviceInformation           *DeviceInformation           `wbxml:"DeviceInformation,omitempty"`
	DevicePassword              *DevicePassword              `wbxml:"DevicePassword,omitempty"`
	UserInformation             *UserInformation             `wbxml:"UserInformation,omitempty"`
	RightsManagementInformation *RightsManagementInformation `wbxml:"RightsManagementInformation,omitempty"`
	Extra                       []*wbxml.Node                `wbxml:",any"`
}

// Oof is the Oof element: in a request, Get (with BodyType) or Set; in a
// response, Status and, for a Get, Get with the settings.
type Oof struct {
	Status int           `wbxml:"Status,omitempty"`
	Get    *OofSettings  `wbxml:"Get,omitempty"`
	Set    *OofSettings  `wbxml:"Set,omitempty"`
	Extra  []*wbxml.Node `wbxml:",any"`
}

// OofSettings are out-of-office settings. OofState: 0 disabled, 1 enabled,
// 2 enabled between StartTime and EndTime. A Get request carries only
// BodyType ("Text" or "HTML"), the form wanted for the messages.
type OofSettings struct {
	OofState   *int          `wbxml:"OofState,omitempty"`
	StartTime  string        `wbxml:"StartTime,omitempty"`
	EndTime    string        `wbxml:"EndTime,omitempty"`
	OofMessage []OofMessage  `wbxml:"OofMessage,omitempty"`
	BodyType   string        `wbxml:"BodyType,omitempty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}

// OofMessage is the reply to one audience, which one of the three empty
// AppliesTo elements names.
type OofMessage struct {
	AppliesToInternal        bool          `wbxml:"AppliesToInternal,empty"`
	AppliesToExternalKnown   bool          `wbxml:"AppliesToExternalKnown,empty"`
	AppliesToExternalUnknown bool          `wbxml:"AppliesToExternalUnknown,empty"`
	Enabled                  bool          `wbxml:"Enabled"`
	ReplyMessage             string        `wbxml:"ReplyMessage,omitempty"`
	BodyType                 string        `wbxml:"BodyType,omitempty"`
	Extra                    []*wbxml.Node `wbxml:",any"`
}

// DeviceInformation is the Settings:DeviceInformation element, in a
// Settings request or (14.1+) in the initial Provision request (Set), and
// in the responses (Status) (MS-ASCMD 2.2.3.51, protocol.md §4.4).
type DeviceInformation struct {
	Status int                   `wbxml:"Status,omitempty"`
	Set    *DeviceInformationSet `wbxml:"Set,omitempty"`
	Extra  []*wbxml.Node         `wbxml:",any"`
}

// DeviceInformationSet describes the device. UserAgent is 12.1+,
// EnableOutboundSMS and MobileOperator 14.0+.
type DeviceInformationSet struct {
	Model             string        `wbxml:"Model,omitempty"`
	IMEI              string        `wbxml:"IMEI,omitempty"`
	FriendlyName      string        `wbxml:"FriendlyName,omitempty"`
	OS                string        `wbxml:"OS,omitempty"`
	OSLanguage        string        `wbxml:"OSLanguage,omitempty"`
	PhoneNumber       string        `wbxml:"PhoneNumber,omitempty"`
	UserAgent         string        `wbxml:"UserAgent,omitempty"`
	EnableOutboundSMS *bool         `wbxml:"EnableOutboundSMS,omitempty"`
	MobileOperator    string        `wbxml:"MobileOperator,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// DevicePassword sets the device's recovery password (request) or reports
// the result (response).
type DevicePassword struct {
	Status int                `wbxml:"Status,omitempty"`
	Set    *DevicePasswordSet `wbxml:"Set,omitempty"`
	Extra  []*wbxml.Node      `wbxml:",any"`
}

// DevicePasswordSet carries the recovery password.
type DevicePasswordSet struct {
	Password string        `wbxml:"Password"`
	Extra    []*wbxml.Node `wbxml:",any"`
}

// UserInformation asks for the user's addresses (request: an empty Get) or
// returns them (response).
type UserInformation struct {
	Status int                 `wbxml:"Status,omitempty"`
	Get    *UserInformationGet `wbxml:"Get,omitempty"`
	Extra  []*wbxml.Node       `wbxml:",any"`
}

// UserInformationGet holds the user's addresses: up to 14.0 EmailAddresses,
// from 14.1 Accounts.
type UserInformationGet struct {
	EmailAddresses *EmailAddresses `wbxml:"EmailAddresses,omitempty"`
	Accounts       *Accounts       `wbxml:"Accounts,omitempty"`
	Extra          []*wbxml.Node   `wbxml:",any"`
}

// EmailAddresses lists an account's SMTP addresses.
type EmailAddresses struct {
	SMTPAddress        []string      `wbxml:"SMTPAddress,omitempty"`
	PrimarySmtpAddress string        `wbxml:"PrimarySmtpAddress,omitempty"`
	Extra              []*wbxml.Node `wbxml:",any"`
}

// Accounts lists the accounts (the user's own and delegated ones) the
// user can send from (14.1+).
type Accounts struct {
	Account []Account     `wbxml:"Account"`
	Extra   []*wbxml.Node `wbxml:",any"`
}

// Account is one account of UserInformation.
type Account struct {
	AccountId       string          `wbxml:"AccountId,omitempty"`
	AccountName     string          `wbxml:"AccountName,omitempty"`
	UserDisplayName string          `wbxml:"UserDisplayName,omitempty"`
	SendDisabled    *bool           `wbxml:"SendDisabled,omitempty"`
	EmailAddresses  *EmailAddresses `wbxml:"EmailAddresses,omitempty"`
	Extra           []*wbxml.Node   `wbxml:",any"`
}

// RightsManagementInformation asks for the IRM templates (request: an
// empty Get) or returns them (response, 14.1+).
type RightsManagementInformation struct {
	Status int                             `wbxml:"Status,omitempty"`
	Get    *RightsManagementInformationGet `wbxml:"Get,omitempty"`
	Extra  []*wbxml.Node                   `wbxml:",any"`
}

// RightsManagementInformationGet holds the templates.
type RightsManagementInformationGet struct {
	RightsManagementTemplates *RightsManagementTemplates `wbxml:"RightsManagement:RightsManagementTemplates,omitempty"`
	Extra                     []*wbxml.Node              `wbxml:",any"`
}
