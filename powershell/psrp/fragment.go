package psrp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/easlab/easlab/powershell/clixml"
)

// FragmentHeaderLen is a fragment's header: object id, fragment id, flags
// and the blob's length (MS-PSRP 2.2.4).
const FragmentHeaderLen = 21

// Fragment flags (MS-PSRP 2.2.4).
const (
	FlagStart byte = 0x1
	FlagEnd   byte = 0x2
)

// Fragment is one piece of a message on the wire.
type Fragment struct {
	ObjectID   uint64
	FragmentID uint64
	Start, End bool
	Blob       []byte
}

// AppendFragment appends f in its wire form to b.
func AppendFragment(b []byte, f Fragment) []byte {
	var h [FragmentHeaderLen]byte
	putFragmentHeader(h[:], f, len(f.Blob))
	b = append(b, h[:]...)
	return append(b, f.Blob...)
}

// MarshalFragments writes the message m, whose data is the CLIXML of v
// (m.Data is not read), as the fragments of object id, each with at most
// maxBlob bytes of payload. The message is written once: a message that
// fits one fragment (the common case) is written after room for that
// fragment's header, and comes back as the one buffer. A v with an
// AppendCLIXML method (a *PipelineRequest) writes its own CLIXML.
func MarshalFragments(id uint64, m *Message, v any, maxBlob int) ([][]byte, error) {
	a, ok := v.(appender)
	size := 1024
	if ok {
		size = 2560 // a CREATE_PIPELINE of one command is some 1.9 KB
	}
	buf := m.appendHeader(make([]byte, FragmentHeaderLen, size))
	var err error
	if ok {
		buf, err = a.AppendCLIXML(buf)
	} else {
		buf, err = clixml.AppendMarshal(buf, v)
	}
	if err != nil {
		return nil, err
	}
	msg := buf[FragmentHeaderLen:]
	if len(msg) <= max(maxBlob, 1) {
		putFragmentHeader(buf, Fragment{ObjectID: id, Start: true, End: true}, len(msg))
		return [][]byte{buf}, nil
	}
	var out [][]byte
	for _, f := range Split(id, msg, maxBlob) {
		out = append(out, AppendFragment(nil, f))
	}
	return out, nil
}

// appender is a message value that writes its own CLIXML.
type appender interface {
	AppendCLIXML(dst []byte) ([]byte, error)
}

// putFragmentHeader writes the header of f, whose blob is n bytes long,
// into h.
func putFragmentHeader(h []byte, f Fragment, n int) {
	binary.BigEndian.PutUint64(h[0:8], f.ObjectID)
	binary.BigEndian.PutUint64(h[8:16], f.FragmentID)
	h[16] = 0
	if f.Start {
		h[16] |= FlagStart
	}
	if f.End {
		h[16] |= FlagEnd
	}
	binary.BigEndian.PutUint32(h[17:21], uint32(n))
}

// Split cuts a message's bytes into fragments of at most maxBlob bytes of
// payload each, all with objectID, numbered from 0.
func Split(objectID uint64, msg []byte, maxBlob int) []Fragment {
	if maxBlob < 1 {
		maxBlob = 1
	}
	var out []Fragment
	for id := uint64(0); ; id++ {
		n := min(maxBlob, len(msg))
		f := Fragment{ObjectID: objectID, FragmentID: id, Start: id == 0, Blob: msg[:n]}
		msg = msg[n:]
		f.End = len(msg) == 0
		out = append(out, f)
		if f.End {
			return out
		}
	}
}

// Limits bound what an Assembler keeps while it reassembles messages.
type Limits struct {
	// MaxMessageBytes is the largest message accepted. PowerShell's
	// session configurations default MaximumReceivedObjectSizeMB to 10
	// (about_Session_Configurations), so DefaultLimits uses 10 MiB.
	MaxMessageBytes int
	// MaxPending is how many messages may be partly received at once.
	MaxPending int
}

// DefaultLimits are PowerShell's defaults for what a server receives.
var DefaultLimits = Limits{MaxMessageBytes: 10 << 20, MaxPending: 16}

// ErrFragment wraps every error about fragments out of order, missing,
// malformed or over a limit.
var ErrFragment = errors.New("psrp: bad fragment")

// Assembler reassembles the messages a peer sends from their fragments,
// which may arrive in any number of pieces across WS-Management requests.
// It is not safe for concurrent use.
type Assembler struct {
	Limits  Limits
	pending map[uint64]*partial
}

type partial struct {
	next uint64
	data []byte
}

// Feed reads a stream of whole fragments (one base64-decoded Stream,
// creationXml or Arguments) and returns the messages it completed. A
// message whole in one fragment shares stream's memory (most are: a copy
// of each was a Remote PowerShell request's largest allocation), so the
// caller must not change stream afterwards.
func (a *Assembler) Feed(stream []byte) ([]*Message, error) {
	lim := a.Limits
	if lim.MaxMessageBytes == 0 {
		lim = DefaultLimits
	}
	if a.pending == nil {
		a.pending = map[uint64]*partial{}
	}
	var out []*Message
	for len(stream) > 0 {
		if len(stream) < FragmentHeaderLen {
			return out, fmt.Errorf("%w: %d bytes left, shorter than a fragment header", ErrFragment, len(stream))
		}
		f := Fragment{
			ObjectID:   binary.BigEndian.Uint64(stream[0:8]),
			FragmentID: binary.BigEndian.Uint64(stream[8:16]),
			Start:      stream[16]&FlagStart != 0,
			End:        stream[16]&FlagEnd != 0,
		}
		n := binary.BigEndian.Uint32(stream[17:21])
		if uint64(n) > uint64(len(stream)-FragmentHeaderLen) {
			return out, fmt.Errorf("%w: object %d fragment %d declares %d bytes, %d present", ErrFragment, f.ObjectID, f.FragmentID, n, len(stream)-FragmentHeaderLen)
		}
		f.Blob = stream[FragmentHeaderLen : FragmentHeaderLen+int(n)]
		stream = stream[FragmentHeaderLen+int(n):]
		msg, err := a.add(f, lim)
		if err != nil {
			return out, err
		}
		if msg != nil {
			out = append(out, msg)
		}
	}
	return out, nil
}

func (a *Assembler) add(f Fragment, lim Limits) (*Message, error) {
	p := a.pending[f.ObjectID]
	switch {
	case f.Start && p != nil:
		return nil, fmt.Errorf("%w: object %d started twice", ErrFragment, f.ObjectID)
	case f.Start && f.FragmentID != 0:
		return nil, fmt.Errorf("%w: object %d starts with fragment %d, not 0", ErrFragment, f.ObjectID, f.FragmentID)
	case !f.Start && p == nil:
		return nil, fmt.Errorf("%w: object %d fragment %d arrived without its start", ErrFragment, f.ObjectID, f.FragmentID)
	case !f.Start && f.FragmentID != p.next:
		return nil, fmt.Errorf("%w: object %d fragment %d arrived, %d expected", ErrFragment, f.ObjectID, f.FragmentID, p.next)
	}
	if f.Start {
		if f.End {
			if len(f.Blob) > lim.MaxMessageBytes {
				return nil, fmt.Errorf("%w: object %d is %d bytes, over the limit of %d", ErrFragment, f.ObjectID, len(f.Blob), lim.MaxMessageBytes)
			}
			return a.finish(f.ObjectID, f.Blob[:len(f.Blob):len(f.Blob)])
		}
		if len(a.pending) >= lim.MaxPending {
			return nil, fmt.Errorf("%w: more than %d messages partly received at once", ErrFragment, lim.MaxPending)
		}
		p = &partial{}
		a.pending[f.ObjectID] = p
	}
	if len(p.data)+len(f.Blob) > lim.MaxMessageBytes {
		delete(a.pending, f.ObjectID)
		return nil, fmt.Errorf("%w: object %d grows past the limit of %d bytes", ErrFragment, f.ObjectID, lim.MaxMessageBytes)
	}
	p.data = append(p.data, f.Blob...)
	p.next = f.FragmentID + 1
	if !f.End {
		return nil, nil
	}
	delete(a.pending, f.ObjectID)
	return a.finish(f.ObjectID, p.data)
}

func (a *Assembler) finish(id uint64, data []byte) (*Message, error) {
	m, err := ParseMessage(data)
	if err != nil {
		return nil, fmt.Errorf("%w: object %d: %w", ErrFragment, id, err)
	}
	return m, nil
}

// Pending says how many messages are partly received.
func (a *Assembler) Pending() int { return len(a.pending) }
