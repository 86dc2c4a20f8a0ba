package conformance

// cmdbUser01Person sets User01's person attributes as the suite's
// deployment does (ExchangeSUTConfiguration.ps1 runs Set-ADUser on
// MSASCMD_User01 with a first and last name, office, company, title and
// three phones), through Exchange's Set-User: the GAL results of S14_TC14
// and S23_TC04 show them.
func cmdbUser01Person(l *lab) {
	l.s.t.Helper()
	l.cmdlet("Set-User", map[string]any{"Identity": cmdUser1,
		"FirstName": "MSASCMD_FirstName", "LastName": "MSASCMD_LastName", "Office": "D1042", "Company": "MS", "Title": "Manager",
		"HomePhone": "22222286", "Phone": "55555501", "MobilePhone": "8612345678910"})
}
