// Package clients simulates Exchange ActiveSync devices that know only the
// wire: a [Device] speaks HTTP to an ActiveSync endpoint with the
// fingerprint and first-time flow of a real client [Profile] (iPhone,
// Android, Samsung, Outlook, Windows Mail, TbSync). It imports nothing of
// the simulator, so the same devices work against any EAS server: the
// in-process fake Exchange, a real Exchange, Z-Push or an MFA gateway.
//
// A Device discovers its endpoint ([Device.Autodiscover]), negotiates a
// protocol version ([Device.Options]), provisions, syncs, pings, sends mail,
// opens messages and attachments ([Device.Fetch], [Device.FetchAttachment])
// and searches ([Device.SearchMailbox], [Device.SearchGAL]), and reacts to
// the server as the real client does (449 and 142-144 provision again, 140
// wipes it, 451 moves it, 503 carries Retry-After). What it remembers
// between runs is a [State] ([Device.State], [Restore]).
// Lifecycle events a support engineer reproduces are methods:
// [Device.UpdateOS], [Device.FactoryReset], [Device.RemoveAccount],
// [Device.ChangePassword], [Device.AddAccount].
//
// Every request and response is kept in the device's [Transcript]. A
// [Fleet] runs many devices at once (holding Pings, or Syncing or asking
// OPTIONS back to back, see [Steady]) and reports request rates, latencies
// and errors. On Linux its devices hold their Pings in one event-driven
// pinger (epoll), each on a connection of its own and with no goroutine
// waiting ([FleetOptions].NoPark keeps net/http's client).
package clients
