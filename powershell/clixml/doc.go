// Package clixml encodes and decodes CLIXML, the XML serialization of
// PowerShell objects that the PowerShell Remoting Protocol carries
// (MS-PSRP section 2.2.5).
//
// Marshal writes one top-level element, without an XML declaration or an
// <Objs> wrapper, as PowerShell writes the payload of a PSRP message.
// Unmarshal reads one such element back under [Limits]. Primitive values
// map to Go types (string, int32, time.Time, [GUID], ...); everything else
// is an [*Object] holding type names, a ToString, a primitive or collection
// value, and adapted (<Props>) and extended (<MS>) properties.
//
// References: the encoder gives every *Object a RefId and writes <Ref/> when
// the same pointer appears again, so shared and cyclic structures
// terminate; the decoder resolves <Ref/> back to the same pointer, so a
// cycle in the input becomes a pointer cycle in the result. Code that walks
// a decoded tree must therefore remember the objects it has visited.
package clixml
