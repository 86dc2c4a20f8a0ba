package simulator_test

import "github.com/easlab/easlab/simulator"

// Tags the external tests read items with, as the simulator names them.
var (
	mustTag            = simulator.MustTag
	tEmailSubject      = mustTag("Email:Subject")
	tEmailFrom         = mustTag("Email:From")
	tEmailRead         = mustTag("Email:Read")
	tEmailMessageClass = mustTag("Email:MessageClass")
	mrCalBusyStatusTag = mustTag("Calendar:BusyStatus")
)
