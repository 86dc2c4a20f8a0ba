package conformance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// The MS-ASCMD adapter checks every response it receives against the
// schema and then captures the requirements that describe each element
// it holds: its parent, its children, its type, how many there may be,
// and for Status, the values the command may answer (its own and the
// common status codes). These rules are those checks for the commands of
// S01 to S11 that this port reads as WBXML; each is checked on every
// answer of its command, as the adapter does.

// cmdRule describes one element of a response, found by the local names
// from the root ("FolderSync/Changes/Add/ServerId"). Its requirements are
// captured whenever the element occurs, or, when min is 1, whenever its
// parent occurs.
type cmdRule struct {
	path     string
	leaf     bool     // text only, no child element
	min, max int      // occurrences per parent; max 0 is unbounded
	maxLen   int      // longest text, when > 0
	values   []string // the values allowed, when not nil
	ids      []int
}

// cmdCommon are the common status codes (MS-ASCMD 2.2.2), which every
// command's Status may also carry.
var cmdCommon = func() []string {
	var out []string
	for v := 101; v <= 177; v++ {
		if v < 157 || v > 159 {
			out = append(out, strconv.Itoa(v))
		}
	}
	return out
}()

// cmdStatuses is a command's status codes with the common ones.
func cmdStatuses(own ...int) []string {
	out := slices.Clone(cmdCommon)
	for _, v := range own {
		out = append(out, strconv.Itoa(v))
	}
	return out
}

var cmdFolderTypes = func() []string {
	var out []string
	for v := 1; v <= 19; v++ {
		out = append(out, strconv.Itoa(v))
	}
	return out
}()

// cmdShapes are the rules per command.
var cmdShapes = map[eas.Command][]cmdRule{
	eas.CommandFolderCreate: {
		{path: "FolderCreate", min: 1, max: 1, ids: []int{3084, 1683, 1684, 1685, 1686}},
		{path: "FolderCreate/SyncKey", leaf: true, max: 1, ids: []int{2803, 2804, 2805, 2806}},
		{path: "FolderCreate/ServerId", leaf: true, max: 1, maxLen: 64, ids: []int{2569, 2570, 2571, 2572, 5872}},
		{path: "FolderCreate/Status", leaf: true, min: 1, max: 1, ids: []int{2695, 2696, 2697, 2698, 4005}},
		{path: "FolderCreate/Status", values: cmdStatuses(1, 2, 3, 5, 6, 9, 10, 11, 12), ids: []int{4008}},
	},
	eas.CommandFolderDelete: {
		{path: "FolderDelete", min: 1, max: 1, ids: []int{3087, 1691, 1692, 1693, 1694}},
		{path: "FolderDelete/SyncKey", leaf: true, max: 1, ids: []int{2811, 2812, 2813, 2814}},
		{path: "FolderDelete/Status", leaf: true, min: 1, max: 1, ids: []int{4039, 2699, 2700, 2701, 2702}},
		{path: "FolderDelete/Status", values: cmdStatuses(1, 3, 4, 6, 9, 10, 11), ids: []int{4042}},
	},
	eas.CommandFolderUpdate: {
		{path: "FolderUpdate", min: 1, max: 1, ids: []int{3099, 1723, 1724, 1725, 1726}},
		{path: "FolderUpdate/SyncKey", leaf: true, max: 1, ids: []int{2819, 2820, 2821, 2822}},
		{path: "FolderUpdate/Status", leaf: true, min: 1, max: 1, ids: []int{2707, 2708, 2710}},
		{path: "FolderUpdate/Status", values: cmdStatuses(1, 2, 3, 4, 5, 6, 9, 10, 11), ids: []int{4097}},
	},
	eas.CommandFolderSync: {
		{path: "FolderSync", min: 1, max: 1, ids: []int{3096, 1715, 1716, 1717, 1718}},
		{path: "FolderSync/SyncKey", leaf: true, max: 1, ids: []int{2827, 2828, 2829, 2830}},
		// R4094 (FolderUpdate's Status is required) is captured on the
		// FolderSync answer by the original adapter, and so here.
		{path: "FolderSync/Status", leaf: true, min: 1, max: 1, ids: []int{4066, 2703, 2704, 2705, 2706, 4094}},
		{path: "FolderSync/Status", values: cmdStatuses(1, 6, 9, 10, 11, 12), ids: []int{4071}},
		{path: "FolderSync/Changes", max: 1, ids: []int{1155, 1156, 1157, 1158}},
		{path: "FolderSync/Changes/Count", leaf: true, max: 1, ids: []int{1454, 1455, 1457}},
		{path: "FolderSync/Changes/Delete", ids: []int{1482, 1483, 1484, 1485}},
		{path: "FolderSync/Changes/Delete/ServerId", leaf: true, min: 1, max: 1, ids: []int{3911, 3916, 2581, 2582, 2583, 2584}},
		{path: "FolderSync/Changes/Update", ids: []int{2879, 2880, 2881, 2882}},
		{path: "FolderSync/Changes/Update/ServerId", leaf: true, min: 1, max: 1, ids: []int{3911, 3916, 2577, 2578, 2579, 2580}},
		{path: "FolderSync/Changes/Update/ParentId", leaf: true, min: 1, max: 1, ids: []int{3622, 3625, 2332, 2333, 2334, 2335}},
		{path: "FolderSync/Changes/Update/DisplayName", leaf: true, min: 1, max: 1, ids: []int{2195, 1530, 1531, 1532, 1533}},
		{path: "FolderSync/Changes/Update/Type", leaf: true, min: 1, max: 1, ids: []int{4663, 4665, 2867, 2868, 2869, 2870}},
		{path: "FolderSync/Changes/Update/Type", values: cmdFolderTypes, ids: []int{4666}},
		{path: "FolderSync/Changes/Add", ids: []int{1031, 1032, 1033, 1034}},
		{path: "FolderSync/Changes/Add/ServerId", leaf: true, min: 1, max: 1, ids: []int{3911, 3916, 2585, 2586, 2587, 2588}},
		{path: "FolderSync/Changes/Add/ParentId", leaf: true, min: 1, max: 1, ids: []int{5884, 5885, 2336, 2337, 2338, 2339}},
		{path: "FolderSync/Changes/Add/DisplayName", leaf: true, min: 1, max: 1, ids: []int{2195, 1539, 1540, 1541, 1542}},
		{path: "FolderSync/Changes/Add/Type", leaf: true, min: 1, max: 1, ids: []int{4663, 4665, 2871, 2872, 2873, 2874}},
		{path: "FolderSync/Changes/Add/Type", values: cmdFolderTypes, ids: []int{4666}},
	},
	eas.CommandGetItemEstimate: {
		{path: "GetItemEstimate", min: 1, max: 1, ids: []int{3130, 1768, 1769, 1770, 1771}},
		{path: "GetItemEstimate/Status", leaf: true, max: 1, ids: []int{2711, 2712, 2713, 2714}},
		{path: "GetItemEstimate/Status", values: cmdStatuses(1, 2, 3, 4), ids: []int{4131}},
		{path: "GetItemEstimate/Response", ids: []int{3859, 2483, 2484, 2485, 2486}},
		{path: "GetItemEstimate/Response/Status", leaf: true, min: 1, max: 1, ids: []int{4127, 5577, 5578, 5579, 5580}},
		{path: "GetItemEstimate/Response/Collection", max: 1, ids: []int{1355, 1356, 1357, 1358}},
		{path: "GetItemEstimate/Response/Collection/CollectionId", leaf: true, min: 1, max: 1, maxLen: 64, ids: []int{983, 1371, 1372, 1374, 5869}},
		{path: "GetItemEstimate/Response/Collection/Estimate", leaf: true, max: 1, ids: []int{2289, 1643, 1644, 1646}},
	},
	eas.CommandMoveItems: {
		{path: "MoveItems", min: 1, max: 1, ids: []int{3476, 1975, 1976, 1977, 1978}},
		{path: "MoveItems/Response", ids: []int{3822, 2492, 2493, 2494, 2495}},
		{path: "MoveItems/Response/SrcMsgId", leaf: true, min: 1, max: 1, maxLen: 64, ids: []int{2675, 2676, 2677, 2678, 5882}},
		{path: "MoveItems/Response/DstMsgId", leaf: true, max: 1, maxLen: 64, ids: []int{1571, 1572, 1573, 1574, 5870}},
		{path: "MoveItems/Response/Status", leaf: true, min: 1, max: 1, ids: []int{4200, 2735, 2737, 2738}},
		{path: "MoveItems/Response/Status", values: cmdStatuses(1, 2, 3, 4, 5, 7), ids: []int{4203}},
	},
	eas.CommandItemOperations: {
		// R194 (a status per operation) is captured with the answer's
		// own Status, as the adapter does.
		{path: "ItemOperations", min: 1, max: 1, ids: []int{3206, 1820, 1821, 1822, 1823}},
		{path: "ItemOperations/Status", leaf: true, min: 1, max: 1, ids: []int{194, 2715, 2716, 2717, 2718}},
		{path: "ItemOperations/Status", values: cmdStatuses(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 155, 156), ids: []int{4151}},
		{path: "ItemOperations/Response", max: 1, ids: []int{2487, 2488, 2489, 2490}},
		{path: "ItemOperations/Response/EmptyFolderContents", ids: []int{1603, 1604, 1605, 1606}},
		{path: "ItemOperations/Response/EmptyFolderContents/Status", leaf: true, min: 1, max: 1, ids: []int{4148, 2723, 2724, 2725, 2726}},
		{path: "ItemOperations/Response/EmptyFolderContents/CollectionId", leaf: true, min: 1, max: 1, ids: []int{1379, 1380, 1381, 5414}},
		{path: "ItemOperations/Response/Move", ids: []int{1959, 1960, 1961, 1962}},
		{path: "ItemOperations/Response/Move/Status", leaf: true, min: 1, max: 1, ids: []int{4148, 2719, 2720, 2721, 2722}},
		{path: "ItemOperations/Response/Move/ConversationId", leaf: true, min: 1, max: 1, ids: []int{2080, 1437, 1438, 1439, 1440}},
		{path: "ItemOperations/Response/Fetch", ids: []int{1651, 1652, 1653, 1654}},
		{path: "ItemOperations/Response/Fetch/Status", leaf: true, min: 1, max: 1, ids: []int{4148, 2727, 2728, 2729, 2730}},
		{path: "ItemOperations/Response/Fetch/CollectionId", leaf: true, max: 1, ids: []int{1379, 1380, 1381, 5415}},
		{path: "ItemOperations/Response/Fetch/Class", leaf: true, max: 1, ids: []int{1167, 1168, 1169, 1170}},
		{path: "ItemOperations/Response/Fetch/Class", values: []string{"Email", "Contacts", "Calendar", "Tasks", "SMS", "Notes"}, ids: []int{913}},
		{path: "ItemOperations/Response/Fetch/LinkId", leaf: true, max: 1, ids: []int{1551, 1552, 1553, 1554}},
		{path: "ItemOperations/Response/Fetch/ServerId", leaf: true, max: 1, ids: []int{2597, 2598, 2599, 2600}},
		{path: "ItemOperations/Response/Fetch/Properties", max: 1, ids: []int{2396, 2398, 2399}},
		{path: "ItemOperations/Response/Fetch/Properties/Body", max: 1, ids: []int{3364}},
		{path: "ItemOperations/Response/Fetch/Properties/Range", leaf: true, max: 1, ids: []int{2415, 2416, 2417, 2418}},
		{path: "ItemOperations/Response/Fetch/Properties/Part", leaf: true, max: 1, ids: []int{2344, 2345, 2346, 2347}},
		{path: "ItemOperations/Response/Fetch/Properties/Data", leaf: true, max: 1, ids: []int{1462, 1463, 1464, 1465, 2130}},
		{path: "ItemOperations/Response/Fetch/Properties/Version", leaf: true, max: 1, ids: []int{5417, 5273, 5275}},
		{path: "ItemOperations/Response/Fetch/Properties/Total", leaf: true, max: 1, ids: []int{2851, 2852, 2853, 2854}},
	},
	eas.CommandMeetingResponse: {
		{path: "MeetingResponse", min: 1, max: 1, ids: []int{3312, 1888, 1889, 1890, 1891}},
		{path: "MeetingResponse/Result", min: 1, ids: []int{3840, 2508, 2509, 2510, 2511}},
		{path: "MeetingResponse/Result/RequestId", leaf: true, max: 1, maxLen: 64, ids: []int{2467, 2468, 2469, 2470, 5871}},
		{path: "MeetingResponse/Result/CalendarId", leaf: true, max: 1, maxLen: 64, ids: []int{1107, 1108, 1109, 1110, 5868}},
		{path: "MeetingResponse/Result/Status", leaf: true, min: 1, max: 1, ids: []int{4175, 2731, 2732, 2733, 2734}},
		{path: "MeetingResponse/Result/Status", values: cmdStatuses(1, 2, 3, 4), ids: []int{4177}},
	},
	eas.CommandPing: {
		{path: "Ping", min: 1, max: 1, ids: []int{3676, 2388, 2389, 2390, 2391}},
		{path: "Ping/Status", leaf: true, min: 1, max: 1, ids: []int{4227, 2739, 2740, 2741, 2742}},
		{path: "Ping/Status", values: cmdStatuses(1, 2, 3, 4, 5, 6, 7, 8), ids: []int{4231}},
		{path: "Ping/HeartbeatInterval", leaf: true, max: 1, ids: []int{1780, 1781, 1782, 1783}},
		{path: "Ping/Folders", max: 1, ids: []int{1707, 1708, 1709, 1710}},
		{path: "Ping/Folders/Folder", leaf: true, min: 1, ids: []int{3082, 1675, 1676, 1677, 1678}},
	},
}

// verifyShape checks an answer of cmd against its rules and captures
// their requirements, as the adapter does after each command.
func (c *cmdSuite) verifyShape(cmd eas.Command, body []byte) {
	c.s.t.Helper()
	rules := cmdShapes[cmd]
	if rules == nil || len(body) == 0 {
		return
	}
	root, err := wbxml.Parse(body)
	if err != nil {
		return // the decode that follows reports it
	}
	for _, r := range rules {
		ok, what, present := cmdCheckRule(root, r)
		if !present {
			continue
		}
		for _, id := range r.ids {
			c.s.capture(id, ok, "%s: %s", r.path, what)
		}
	}
}

// cmdCheckRule checks rule r on the tree under root; present is false
// when neither the element nor, for a required one, its parent occurs.
func cmdCheckRule(root *wbxml.Node, r cmdRule) (ok bool, what string, present bool) {
	names := strings.Split(r.path, "/")
	if len(names) == 1 {
		if root.Tag == nil || root.Tag.Name != names[0] {
			return false, fmt.Sprintf("the answer's root is %v", root.Tag), true
		}
		return cmdCheckElems([]*wbxml.Node{root}, r)
	}
	if root.Tag == nil || root.Tag.Name != names[0] {
		return false, "", false
	}
	parents := []*wbxml.Node{root}
	for _, n := range names[1 : len(names)-1] {
		var next []*wbxml.Node
		for _, p := range parents {
			for _, e := range p.Elements() {
				if e.Tag.Name == n {
					next = append(next, e)
				}
			}
		}
		parents = next
	}
	last := names[len(names)-1]
	var all []*wbxml.Node
	for _, p := range parents {
		k := 0
		for _, e := range p.Elements() {
			if e.Tag.Name == last {
				k++
				all = append(all, e)
			}
		}
		if r.values == nil && (k < r.min || r.max > 0 && k > r.max) {
			return false, fmt.Sprintf("occurs %d times in a %s", k, p.Tag.Name), len(parents) > 0
		}
	}
	if len(all) == 0 {
		return false, "", false
	}
	return cmdCheckElems(all, r)
}

// cmdCheckElems checks the occurrences of a rule's element.
func cmdCheckElems(elems []*wbxml.Node, r cmdRule) (bool, string, bool) {
	for _, e := range elems {
		text := e.Text()
		switch {
		case r.values != nil:
			if !slices.Contains(r.values, text) {
				return false, fmt.Sprintf("has the value %q, not one the command defines", text), true
			}
		case r.leaf && len(e.Elements()) > 0:
			return false, fmt.Sprintf("has child elements (%d)", len(e.Elements())), true
		case !r.leaf && strings.TrimSpace(text) != "" && len(e.Elements()) == 0:
			return false, fmt.Sprintf("holds text %q rather than elements", text), true
		case r.maxLen > 0 && len(text) > r.maxLen:
			return false, fmt.Sprintf("is %d characters long", len(text)), true
		}
	}
	return true, "as the schema describes", true
}
