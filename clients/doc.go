// Package clients simulates Exchange ActiveSync devices that know only the
// wire: a [Device] speaks HTTP to an ActiveSync endpoint with the
// fingerprint and first-time flow of a real client [Profile] (iPhone,
// Android, Samsung, Outlook, Windows Mail, TbSync). It imports nothing of
// the simulator, so the same devices work against any EAS server: the
// in-process fake Exchange, a real Exchange, Z-Push or an MFA gateway.
//
// Every request and response is kept in the device's [Transcript].
package clients
