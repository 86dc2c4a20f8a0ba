package psrp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Destination says who a message is for (MS-PSRP 2.2.1).
type Destination uint32

// The two destinations.
const (
	ToClient Destination = 0x00000001
	ToServer Destination = 0x00000002
)

// MessageType is a PSRP message's type (MS-PSRP 2.2.1).
type MessageType uint32

// The message types of MS-PSRP 2.2.1.
const (
	SessionCapability        MessageType = 0x00010002
	InitRunspacePool         MessageType = 0x00010004
	PublicKey                MessageType = 0x00010005
	EncryptedSessionKey      MessageType = 0x00010006
	PublicKeyRequest         MessageType = 0x00010007
	ConnectRunspacePool      MessageType = 0x00010008
	SetMaxRunspaces          MessageType = 0x00021002
	SetMinRunspaces          MessageType = 0x00021003
	RunspaceAvailability     MessageType = 0x00021004
	RunspacePoolState        MessageType = 0x00021005
	CreatePipeline           MessageType = 0x00021006
	GetAvailableRunspaces    MessageType = 0x00021007
	UserEvent                MessageType = 0x00021008
	ApplicationPrivateData   MessageType = 0x00021009
	GetCommandMetadata       MessageType = 0x0002100A
	RunspacePoolInitData     MessageType = 0x0002100B
	ResetRunspaceState       MessageType = 0x0002100C
	RunspacePoolHostCall     MessageType = 0x00021100
	RunspacePoolHostResponse MessageType = 0x00021101
	PipelineInput            MessageType = 0x00041002
	EndOfPipelineInput       MessageType = 0x00041003
	PipelineOutput           MessageType = 0x00041004
	ErrorRecordMsg           MessageType = 0x00041005
	PipelineState            MessageType = 0x00041006
	DebugRecord              MessageType = 0x00041007
	VerboseRecord            MessageType = 0x00041008
	WarningRecord            MessageType = 0x00041009
	ProgressRecord           MessageType = 0x00041010
	InformationRecord        MessageType = 0x00041011
	PipelineHostCall         MessageType = 0x00041100
	PipelineHostResponse     MessageType = 0x00041101
)

var messageTypeNames = map[MessageType]string{
	SessionCapability: "SESSION_CAPABILITY", InitRunspacePool: "INIT_RUNSPACEPOOL",
	PublicKey: "PUBLIC_KEY", EncryptedSessionKey: "ENCRYPTED_SESSION_KEY",
	PublicKeyRequest: "PUBLIC_KEY_REQUEST", ConnectRunspacePool: "CONNECT_RUNSPACEPOOL",
	SetMaxRunspaces: "SET_MAX_RUNSPACES", SetMinRunspaces: "SET_MIN_RUNSPACES",
	RunspaceAvailability: "RUNSPACE_AVAILABILITY", RunspacePoolState: "RUNSPACEPOOL_STATE",
	CreatePipeline: "CREATE_PIPELINE", GetAvailableRunspaces: "GET_AVAILABLE_RUNSPACES",
	UserEvent: "USER_EVENT", ApplicationPrivateData: "APPLICATION_PRIVATE_DATA",
	GetCommandMetadata: "GET_COMMAND_METADATA", RunspacePoolInitData: "RUNSPACEPOOL_INIT_DATA",
	ResetRunspaceState: "RESET_RUNSPACE_STATE", RunspacePoolHostCall: "RUNSPACEPOOL_HOST_CALL",
	RunspacePoolHostResponse: "RUNSPACEPOOL_HOST_RESPONSE", PipelineInput: "PIPELINE_INPUT",
	EndOfPipelineInput: "END_OF_PIPELINE_INPUT", PipelineOutput: "PIPELINE_OUTPUT",
	ErrorRecordMsg: "ERROR_RECORD", PipelineState: "PIPELINE_STATE", DebugRecord: "DEBUG_RECORD",
	VerboseRecord: "VERBOSE_RECORD", WarningRecord: "WARNING_RECORD", ProgressRecord: "PROGRESS_RECORD",
	InformationRecord: "INFORMATION_RECORD", PipelineHostCall: "PIPELINE_HOST_CALL",
	PipelineHostResponse: "PIPELINE_HOST_RESPONSE",
}

// String is the type's name in MS-PSRP, or its number.
func (t MessageType) String() string {
	if n, ok := messageTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("0x%08X", uint32(t))
}

// HeaderLen is the length of a message's header: destination, type and
// the two GUIDs (MS-PSRP 2.2.1).
const HeaderLen = 40

// bom is the UTF-8 byte order mark a Windows server writes before the
// CLIXML of every message it sends (seen in every recorded session).
var bom = []byte{0xEF, 0xBB, 0xBF}

// Message is one PSRP message: a header and its CLIXML payload.
type Message struct {
	Destination  Destination
	Type         MessageType
	RunspacePool uuid.UUID
	Pipeline     uuid.UUID // uuid.Nil for a runspace pool's own messages
	Data         []byte    // the CLIXML, without a byte order mark
}

// ErrShortMessage is returned for a message shorter than its header.
var ErrShortMessage = errors.New("psrp: message shorter than its 40-byte header")

// ParseMessage reads a whole (reassembled) message. A leading UTF-8 byte
// order mark on the payload is dropped.
func ParseMessage(b []byte) (*Message, error) {
	if len(b) < HeaderLen {
		return nil, ErrShortMessage
	}
	m := &Message{
		Destination:  Destination(binary.LittleEndian.Uint32(b[0:4])),
		Type:         MessageType(binary.LittleEndian.Uint32(b[4:8])),
		RunspacePool: guidFromWire(b[8:24]),
		Pipeline:     guidFromWire(b[24:40]),
		Data:         b[HeaderLen:],
	}
	if len(m.Data) >= 3 && m.Data[0] == bom[0] && m.Data[1] == bom[1] && m.Data[2] == bom[2] {
		m.Data = m.Data[3:]
	}
	if m.Destination != ToClient && m.Destination != ToServer {
		return nil, fmt.Errorf("psrp: %s message has destination %d, neither client (1) nor server (2)", m.Type, m.Destination)
	}
	return m, nil
}

// Bytes writes the message. Messages to the client carry a byte order
// mark before their CLIXML, as a Windows server writes them.
func (m *Message) Bytes() []byte {
	n := HeaderLen + len(m.Data)
	if m.Destination == ToClient {
		n += len(bom)
	}
	return append(m.appendHeader(make([]byte, 0, n)), m.Data...)
}

// appendHeader appends the message's header, and the byte-order mark
// that begins a server's data, to b.
func (m *Message) appendHeader(b []byte) []byte {
	var h [HeaderLen]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(m.Destination))
	binary.LittleEndian.PutUint32(h[4:8], uint32(m.Type))
	guidToWire(h[8:24], m.RunspacePool)
	guidToWire(h[24:40], m.Pipeline)
	b = append(b, h[:]...)
	if m.Destination == ToClient {
		b = append(b, bom...)
	}
	return b
}

// guidFromWire reads a GUID in .NET's byte order (Guid.ToByteArray: the
// first three fields little-endian), as the header carries it.
func guidFromWire(b []byte) uuid.UUID {
	var u uuid.UUID
	copy(u[:], b)
	u[0], u[1], u[2], u[3] = b[3], b[2], b[1], b[0]
	u[4], u[5] = b[5], b[4]
	u[6], u[7] = b[7], b[6]
	return u
}

// guidToWire writes u in .NET's byte order into b[0:16].
func guidToWire(b []byte, u uuid.UUID) {
	copy(b, u[:])
	b[0], b[1], b[2], b[3] = u[3], u[2], u[1], u[0]
	b[4], b[5] = u[5], u[4]
	b[6], b[7] = u[7], u[6]
}
