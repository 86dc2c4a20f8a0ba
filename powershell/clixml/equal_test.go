package clixml

import (
	"bytes"
	"math"
	"time"
)

// equal compares two decoded trees structurally. Object pairs already
// under comparison count as equal, so cycles terminate and shared
// structure is compared once.
func equal(a, b any) bool {
	return (&comparer{seen: map[[2]*Object]bool{}}).eq(a, b)
}

type comparer struct{ seen map[[2]*Object]bool }

func (c *comparer) eq(a, b any) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		if !ok || (x == nil) != (y == nil) {
			return false
		}
		if x == nil || x == y {
			return true
		}
		k := [2]*Object{x, y}
		if c.seen[k] {
			return true
		}
		c.seen[k] = true
		if len(x.TypeNames) != len(y.TypeNames) || (x.TypeNames == nil) != (y.TypeNames == nil) {
			return false
		}
		for i := range x.TypeNames {
			if x.TypeNames[i] != y.TypeNames[i] {
				return false
			}
		}
		if x.ToString != y.ToString || x.HasToString != y.HasToString || x.ListKind != y.ListKind ||
			!c.eq(x.Value, y.Value) || len(x.List) != len(y.List) || len(x.Dict) != len(y.Dict) ||
			(x.Dict == nil) != (y.Dict == nil) || !c.props(x.Props, y.Props) || !c.props(x.Members, y.Members) {
			return false
		}
		for i := range x.List {
			if !c.eq(x.List[i], y.List[i]) {
				return false
			}
		}
		for i := range x.Dict {
			if !c.eq(x.Dict[i].Key, y.Dict[i].Key) || !c.eq(x.Dict[i].Value, y.Dict[i].Value) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		if !ok || !x.Equal(y) {
			return false
		}
		_, xo := x.Zone()
		_, yo := y.Zone()
		return xo == yo
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || x != x && y != y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case SecureString:
		y, ok := b.(SecureString)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

func (c *comparer) props(x, y []Property) bool {
	if len(x) != len(y) || (x == nil) != (y == nil) {
		return false
	}
	for i := range x {
		if x[i].Name != y[i].Name || !c.eq(x[i].Value, y[i].Value) {
			return false
		}
	}
	return true
}
