package conformance

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// The MS-ASAIRS adapter checks every Sync, ItemOperations and Search
// response against the schema and, for each AirSyncBase element an item
// holds, captures the requirements that describe it (its parent, its
// children, its type, and the version that has it). airsVerifyShape is
// those checks for the elements of an e-mail: Body, BodyPart,
// Attachments and each Attachment, each checked as the schema has it.

// airsShapeRule is one element of an item: the children it may have, in
// order (nil for a text element), the values of its text when limited,
// and the requirements captured when it occurs (at every version, and at
// the one named).
type airsShapeRule struct {
	children []string
	anyOrder bool // the children may come in any order, each once
	values   func(string) bool
	ids      []int
	byVer    map[eas.ProtocolVersion][]int
}

// airsVer is the requirement captured at each version (0: none).
func airsVer(v121, v140, v141, v160, v161 int) map[eas.ProtocolVersion][]int {
	m := map[eas.ProtocolVersion][]int{}
	for v, id := range map[eas.ProtocolVersion]int{eas.Version121: v121, eas.Version140: v140, eas.Version141: v141, eas.Version160: v160, eas.Version161: v161} {
		if id != 0 {
			m[v] = []int{id}
		}
	}
	return m
}

// airsVer16 is the requirement captured at 16.0 and at 16.1.
func airsVer16(v160, v161 int) map[eas.ProtocolVersion][]int { return airsVer(0, 0, 0, v160, v161) }

func airsDouble(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }

func airsUint(s string) bool { n, err := strconv.Atoi(s); return err == nil && n >= 0 }
func airsBool(s string) bool { return s == "0" || s == "1" }
func airsIn(lo, hi int) func(string) bool {
	return func(s string) bool { n, err := strconv.Atoi(s); return err == nil && n >= lo && n <= hi }
}

// airsShape are the rules, by the element's path in the item.
var airsShape = map[string]airsShapeRule{
	"Body":                       {children: []string{"Type", "EstimatedDataSize", "Truncated", "Data", "Part", "Preview"}, ids: []int{106, 112, 113}, byVer: airsVer(1057, 1058, 1059, 1060, 1000953)},
	"Body/Type":                  {values: airsIn(1, 4), ids: []int{302, 303}},
	"Body/Data":                  {ids: []int{178, 172}, byVer: airsVer(1130, 1131, 1132, 1133, 1000981)},
	"Body/Part":                  {values: airsUint, ids: []int{246}, byVer: airsVer(1251, 1252, 1253, 1254, 1001031)},
	"Body/EstimatedDataSize":     {values: airsUint, ids: []int{204}, byVer: airsVer(1154, 1155, 1156, 1157, 1000995)},
	"Body/Preview":               {ids: []int{249, 252}, byVer: airsVer(0, 1262, 1263, 1264, 1001039)},
	"Body/Truncated":             {values: airsBool, ids: []int{274, 308, 313}},
	"BodyPart":                   {children: []string{"Status", "Type", "EstimatedDataSize", "Truncated", "Data", "Preview"}, ids: []int{121, 124, 126, 127, 269, 270, 128, 129}, byVer: airsVer(0, 0, 1063, 1064, 1000957)},
	"BodyPart/Status":            {values: airsIn(1, 176), byVer: airsVer(0, 0, 1311, 1312, 1001073)},
	"BodyPart/Type":              {values: airsIn(1, 4), ids: []int{302}},
	"BodyPart/EstimatedDataSize": {values: airsUint},
	"BodyPart/Data":              {ids: []int{185, 186, 205, 208}, byVer: airsVer(0, 0, 1136, 1137, 1000983)},
	"BodyPart/Preview":           {ids: []int{254, 258}, byVer: airsVer(0, 0, 1267, 1268, 1001042)},
	"BodyPart/Truncated":         {values: airsBool, ids: []int{274, 314, 318}},
	"Attachments":                {children: []string{"Attachment"}, ids: []int{102, 1327}, byVer: airsVer(1053, 1054, 1055, 1056, 1000951)},
	"Attachments/Attachment": {children: []string{"ClientId", "DisplayName", "FileReference", "Method", "EstimatedDataSize", "ContentId", "ContentLocation", "IsInline", "ContentType", "UmAttDuration", "UmAttOrder"},
		ids: []int{87, 1323, 91, 92, 93}, byVer: airsVer(1048, 1049, 1050, 1051, 1000949)},
	"Attachments/Attachment/FileReference":     {ids: []int{211, 210, 215}, byVer: airsVer(1162, 1163, 1164, 1165, 1000999)},
	"Attachments/Attachment/Method":            {values: airsIn(1, 6), ids: []int{220, 223, 221, 224}},
	"Attachments/Attachment/EstimatedDataSize": {values: airsUint, ids: []int{198, 195, 200}},
	"Attachments/Attachment/ContentId":         {ids: []int{163}, byVer: airsVer(1097, 1098, 1099, 1100, 1000969)},
	"Attachments/Attachment/ContentLocation":   {ids: []int{168, 170}, byVer: airsVer(1105, 1106, 1107, 1108, 1000973)},
	"Attachments/Attachment/DisplayName":       {ids: []int{191, 193}, byVer: airsVer(1146, 1147, 1148, 1149, 100089)},
	"Attachments/Attachment/IsInline":          {values: airsBool, ids: []int{217, 219}, byVer: airsVer(1189, 1190, 1191, 1192, 1001010)},
	// The structured location of a 16.x calendar item.
	"Location": {children: []string{"DisplayName", "Annotation", "Street", "City", "State", "Country", "PostalCode", "Latitude", "Longitude", "Accuracy", "Altitude", "AltitudeAccuracy", "LocationUri"},
		anyOrder: true, ids: []int{1207, 1208}, byVer: airsVer16(1225, 1001015)},
	"Location/Accuracy":         {values: airsDouble, ids: []int{1001}, byVer: airsVer16(1005, 1000914)},
	"Location/Altitude":         {values: airsDouble, ids: []int{1031}, byVer: airsVer16(1035, 1000934)},
	"Location/AltitudeAccuracy": {values: airsDouble, ids: []int{1037}, byVer: airsVer16(1041, 1000939)},
	"Location/Latitude":         {values: airsDouble, ids: []int{1194}, byVer: airsVer16(1198, 1001012)},
	"Location/Longitude":        {values: airsDouble, ids: []int{1234}, byVer: airsVer16(1238, 1001019)},
	"Location/Annotation":       {ids: []int{1043}, byVer: airsVer16(1047, 1000944)},
	"Location/City":             {ids: []int{1074}, byVer: airsVer16(1078, 1000963)},
	"Location/Country":          {ids: []int{1125}, byVer: airsVer16(1129, 1000979)},
	"Location/DisplayName":      {ids: []int{1361, 1362}, byVer: airsVer16(1366, 1000991)},
	"Location/LocationUri":      {ids: []int{1228}, byVer: airsVer16(1232, 1001017)},
	"Location/PostalCode":       {ids: []int{1256}, byVer: airsVer16(1260, 1001035)},
	// The original captures R1001051 at 16.0, with R1282.
	"Location/State":  {ids: []int{1278}, byVer: map[eas.ProtocolVersion][]int{eas.Version160: {1282, 1001051}}},
	"Location/Street": {ids: []int{1288}, byVer: airsVer16(1292, 1001057)},
}

// airsVerifyShape checks the AirSyncBase elements of an item's
// properties (a Sync's ApplicationData, a Fetch's Properties) and
// captures the requirements of each element it holds.
func airsVerifyShape(s *site, data *wbxml.Node) {
	s.t.Helper()
	if data == nil {
		return
	}
	for _, e := range data.Elements() {
		if e.Tag.Namespace == "AirSyncBase" {
			airsCheckShape(s, e, e.Tag.Name)
		}
	}
}

// airsCheckShape checks element n at path and its children.
func airsCheckShape(s *site, n *wbxml.Node, path string) {
	s.t.Helper()
	r, ok := airsShape[path]
	if !ok {
		return
	}
	problem := ""
	kids := n.Elements()
	switch {
	case r.children == nil && len(kids) > 0:
		problem = "holds elements"
	case r.values != nil && !r.values(n.Text()):
		problem = fmt.Sprintf("holds %q", n.Text())
	case r.children != nil && r.anyOrder:
		seen := map[string]bool{}
		for _, k := range kids {
			if seen[k.Tag.Name] || !slices.Contains(r.children, k.Tag.Name) {
				problem = k.Tag.Name + " is repeated or not of the schema"
				break
			}
			seen[k.Tag.Name] = true
		}
	case r.children != nil:
		next := 0
		for _, k := range kids {
			i := slices.Index(r.children[next:], k.Tag.Name)
			if i < 0 && k.Tag.Name != "Attachment" {
				problem = k.Tag.Name + " is out of order, repeated or not of the schema"
				break
			}
			if k.Tag.Name != "Attachment" {
				next += i + 1
			}
		}
	}
	ids := slices.Clone(r.ids)
	ids = append(ids, r.byVer[s.version]...)
	for _, id := range ids {
		s.capture(id, problem == "", "the %s element %s", path, problem)
	}
	for _, k := range kids {
		airsCheckShape(s, k, path+"/"+k.Tag.Name)
	}
}
