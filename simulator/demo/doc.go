// Package demo builds organizations to serve: the demo organization
// (contoso.com, NewDirectory) and one read from a YAML organization file
// (LoadOrgFile), with mailbox content from plain specs (Mail, Event,
// Contact, Task, Note; AddMail, AddEvent, ...). It imports the simulator
// and fills a simulator.Directory through its exported API only; the
// simulator never imports demo, so a server is given its directory:
//
//	dir, _ := demo.NewDirectory(demo.Password, 0, clock.Real().Now())
//	srv, _ := simulator.New(simulator.Options{Directory: dir})
package demo
