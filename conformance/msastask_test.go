package conformance

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASTASK: the Tasks class (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASTASK). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1; the tests of CalendarType run from
// 14.0 and those of FirstDayOfWeek from 14.1, as their Assume calls say.
// The tests' DateTime.Now is the lab's clock.

const specTASK = "MS-ASTASK"

// taskUser is the suite's user.
const taskUser = "MSASTASK_User01"

// taskDate is the form of the suite's task dates.
const taskDate = "2006-01-02T15:04:05.000Z"

// taskSuite is a running MS-ASTASK test: its client and the Tasks folder.
type taskSuite struct {
	*noteClient
	tasks string
}

// taskLab deploys the suite's user and learns its Tasks folder.
func taskLab(s *site) *taskSuite {
	s.t.Helper()
	c := newNoteClient(s, taskUser)
	return &taskSuite{noteClient: c, tasks: c.folder(eas.FolderTypeTasks)}
}

// taskNow is the tests' DateTime.Now.
func taskNow() time.Time { return simtest.Start }

// taskElements is the suite's CreateTaskElements with subject: a plain
// text body of its own, start and due dates (local and UTC) a day and an
// hour from now, a reminder a day before the start.
func (k *taskSuite) taskElements(subject string) *eas.Task {
	start := taskNow().Add(25 * time.Hour)
	return &eas.Task{
		Subject:      subject,
		Body:         &eas.Body{Type: 1, Data: "Content of the body." + noteClientID()},
		UtcStartDate: start.Format(taskDate), StartDate: start.Format(taskDate),
		UtcDueDate: start.Add(5 * time.Hour).Format(taskDate), DueDate: start.Add(5 * time.Hour).Format(taskDate),
		ReminderSet: ptr(true), ReminderTime: start.AddDate(0, 0, -1).Format(taskDate),
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// taskRec is a Tasks:Recurrence with the children fields names, in
// order ("Type", "0", "Start", ...).
func taskRec(fields ...string) *wbxml.Node {
	rec := cmdNode("Tasks:Recurrence")
	for i := 0; i+1 < len(fields); i += 2 {
		rec.Children = append(rec.Children, cmdText("Tasks:"+fields[i], fields[i+1]))
	}
	return rec
}

// taskAddCommand is the Add of task, with rec (when not nil) as its
// Recurrence.
func (k *taskSuite) taskAddCommand(task *eas.Task, rec *wbxml.Node) eas.SyncCommand {
	k.s.t.Helper()
	cmd := k.add(task)
	if rec != nil {
		cmd.ApplicationData.Children = append(cmd.ApplicationData.Children, rec)
	}
	return cmd
}

// syncAddTask is the suite's SyncAddTask (and its string requests): the
// Add cmd in a Sync after an initial one, whose collection must succeed;
// it returns the Add's Status.
func (k *taskSuite) syncAddTask(cmd eas.SyncCommand) int {
	k.s.t.Helper()
	key := k.initialKey(k.tasks, nil)
	r := k.commands(k.tasks, key, noteSyncOptions(eas.BodyPreference{Type: 2}), cmd)
	if col := k.collection(r); col.Status != 1 {
		k.s.t.Fatalf("adding a task: the collection has Status %d", col.Status)
	}
	return noteAddStatus(r)
}

// addTask adds the suite's task elements with subject, what set changes
// and rec as Recurrence, and returns the Add's Status.
func (k *taskSuite) addTask(subject string, rec *wbxml.Node, set func(*eas.Task)) int {
	k.s.t.Helper()
	task := k.taskElements(subject)
	if set != nil {
		set(task)
	}
	return k.syncAddTask(k.taskAddCommand(task, rec))
}

// rawTask is the task the suite's string requests add: a plain body,
// start and due dates from now, a reminder, subject, Importance 0 when
// importance, two categories when categories, and rec as Recurrence.
func (k *taskSuite) rawTask(subject string, importance, categories bool, rec *wbxml.Node) eas.SyncCommand {
	k.s.t.Helper()
	start := taskNow()
	task := &eas.Task{
		Body:         &eas.Body{Type: 1, Data: "Content of the body."},
		UtcStartDate: start.Format(taskDate), StartDate: start.Format(taskDate),
		UtcDueDate: start.Add(5 * time.Hour).Format(taskDate), DueDate: start.Add(5 * time.Hour).Format(taskDate),
		ReminderSet: ptr(true), ReminderTime: start.AddDate(0, 0, -1).Format(taskDate),
		Subject: subject,
	}
	if importance {
		task.Importance = ptr(0)
	}
	if categories {
		task.Categories = &eas.Categories{Category: []string{"Business", "Waiting"}}
	}
	return k.taskAddCommand(task, rec)
}

// taskItem is a task a Sync answer carries: its ServerId, properties and
// ApplicationData.
type taskItem struct {
	serverID string
	task     eas.Task
	app      *wbxml.Node
}

// syncChanges is the suite's SyncChanges: an initial Sync of the Tasks
// folder, then one that asks for its items (HTML bodies); it returns the
// answer, which must succeed.
func (k *taskSuite) syncChanges() *eas.SyncResponse {
	k.s.t.Helper()
	key := k.initialKey(k.tasks, nil)
	r := k.changes(k.tasks, key, eas.BodyPreference{Type: 2})
	if col := k.collection(r); col.Status != 1 {
		k.s.t.Fatalf("syncing the tasks: Status %d", col.Status)
	}
	return r
}

// verifyTask is what the suite's adapter checks of every task a Sync
// adds (CaptureCode VerifySyncCommandResponse): the values of its
// properties and of its recurrence's are in their ranges.
func (k *taskSuite) verifyTask(task *eas.Task, app *wbxml.Node) {
	k.s.t.Helper()
	s := k.s
	in := func(id int, name, v string, ok func(int) bool) {
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		s.capture(id, err == nil && ok(n), "a task's %s is %q", name, v)
	}
	in(119, "Complete", cmdField(app, "Tasks:Complete"), func(n int) bool { return n == 0 || n == 1 })
	in(249, "ReminderSet", cmdField(app, "Tasks:ReminderSet"), func(n int) bool { return n == 0 || n == 1 })
	in(259, "Sensitivity", cmdField(app, "Tasks:Sensitivity"), func(n int) bool { return n >= 0 && n <= 3 })
	if task.Categories != nil {
		s.capture(402, len(task.Categories.Category) <= 300, "a task has %d categories", len(task.Categories.Category))
	}
	rec := app.Find(cmdTag("Tasks:Recurrence"))
	if rec == nil {
		return
	}
	field := func(name string) string { v, _ := cmdChild(rec, name); return v }
	in(292, "recurrence Type", field("Type"), func(n int) bool { return n >= 0 && n <= 6 && n != 4 })
	in(84, "recurrence CalendarType", field("CalendarType"), func(n int) bool {
		return n >= 0 && n <= 12 || n == 14 || n == 15 || n == 20
	})
	in(141, "recurrence DayOfWeek", field("DayOfWeek"), func(n int) bool { return n >= 1 && n <= 254 })
	in(170, "recurrence FirstDayOfWeek", field("FirstDayOfWeek"), func(n int) bool { return n <= 6 })
	in(192, "recurrence Interval", field("Interval"), func(n int) bool { return n <= 999 })
	in(201, "recurrence IsLeapMonth", field("IsLeapMonth"), func(n int) bool { return n == 0 || n == 1 })
	in(210, "recurrence MonthOfYear", field("MonthOfYear"), func(n int) bool { return n >= 1 && n <= 12 })
	in(317, "recurrence WeekOfMonth", field("WeekOfMonth"), func(n int) bool { return n >= 1 && n <= 5 })
}

// taskFind is the task of subject among a Sync answer's Adds, or nil;
// every task added is verified.
func (k *taskSuite) taskFind(r *eas.SyncResponse, subject string) *taskItem {
	k.s.t.Helper()
	var found *taskItem
	for _, a := range noteCommands(r, eas.SyncAdd) {
		var task eas.Task
		k.decode(a.ApplicationData, &task)
		k.verifyTask(&task, a.ApplicationData)
		if task.Subject == subject && found == nil {
			found = &taskItem{a.ServerId, task, a.ApplicationData}
		}
	}
	return found
}

// getChangeItem is the suite's GetChangeItem: the task of subject in the
// Tasks folder, which must be there.
func (k *taskSuite) getChangeItem(subject string) *taskItem {
	k.s.t.Helper()
	it := k.taskFind(k.syncChanges(), subject)
	if it == nil {
		k.s.t.Fatalf("the task %q is not in the Tasks folder", subject)
	}
	return it
}

// recurrence is the Recurrence a task was sent back with.
func (it *taskItem) recurrence() *wbxml.Node {
	return it.app.Find(cmdTag("Tasks:Recurrence"))
}

// has reports whether the task's Recurrence has child name.
func (it *taskItem) has(name string) bool {
	return noteHasElement(it.recurrence(), name)
}

// recValue is the text of the task's Recurrence child name, or "".
func (it *taskItem) recValue(name string) string {
	v, _ := cmdChild(it.recurrence(), name)
	return v
}

// taskStart is the Start of the tests' recurrences: now.
func taskStart() string { return taskNow().Format(taskDate) }

// taskStatus6 adds the task elements with each recurrence of recs and
// captures id when each is refused with Status 6.
func (k *taskSuite) taskStatus6(id int, what string, recs ...*wbxml.Node) {
	k.s.t.Helper()
	subject := k.name("subject")
	var got []string
	all := true
	for _, rec := range recs {
		st := k.addTask(subject, rec, nil)
		got = append(got, strconv.Itoa(st))
		all = all && st == 6
	}
	k.s.capture(id, all, "the Adds of tasks %s have Status %s, want 6 each", what, strings.Join(got, ", "))
}

// taskCreated adds the task elements with subject, rec and set, requires
// Status 1 and returns the task as the Tasks folder sends it back.
func (k *taskSuite) taskCreated(rec *wbxml.Node, set func(*eas.Task)) *taskItem {
	k.s.t.Helper()
	subject := k.name("subject")
	if st := k.addTask(subject, rec, set); st != 1 {
		k.s.t.Fatalf("adding the task: Status %d, want 1", st)
	}
	return k.getChangeItem(subject)
}

// rawCreated sends the suite's string request with rec and requires
// Status 1; it returns the task as the Tasks folder sends it back.
func (k *taskSuite) rawCreated(rec *wbxml.Node) *taskItem {
	k.s.t.Helper()
	subject := k.name("subject")
	if st := k.syncAddTask(k.rawTask(subject, true, true, rec)); st != 1 {
		k.s.t.Fatalf("adding the task: Status %d, want 1", st)
	}
	return k.getChangeItem(subject)
}

// MSASTASK_S01_TC01: a daily recurring task (on a given day) is created
// with DeadOccur and Sensitivity 0.
func TestMSASTASK_S01_TC01_CreateTaskItemRecursDaily(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		// R631 (Status 6 for a daily recurrence with DayOfWeek) is not
		// Exchange's (R631Enabled false): the task is created.
		it := k.rawCreated(taskRec("Type", "0", "Start", taskNow().Add(time.Hour).Format(taskDate), "Until", taskNow().AddDate(0, 0, 10).Format(taskDate), "Interval", "1", "DayOfWeek", "2"))
		s.equal(158, "the recurrence's DeadOccur", "0", it.recValue("DeadOccur"))
		sens := "absent"
		if it.task.Sensitivity != nil {
			sens = strconv.Itoa(*it.task.Sensitivity)
		}
		s.equal(264, "the task's Sensitivity", "0", sens)
	})
}

// MSASTASK_S01_TC02: a recurrence without Start is refused.
func TestMSASTASK_S01_TC02_CreateTaskItemRecursDailyWithoutStart(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		k.taskStatus6(37011, "recurring without Start", taskRec("Type", "0", "Occurrences", "2", "DayOfWeek", "1"))
	})
}

// MSASTASK_S01_TC03: DayOfMonth with a Type that does not take it is
// refused.
func TestMSASTASK_S01_TC03_CreateTaskItemFailWithDayOfMonth(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		st := taskStart()
		k.taskStatus6(132, "with DayOfMonth and Type 0, 1, 3 and 6",
			taskRec("Type", "0", "Start", st, "Occurrences", "2", "DayOfWeek", "1", "DayOfMonth", "10"),
			taskRec("Type", "1", "Start", st, "DayOfWeek", "1", "DayOfMonth", "10"),
			taskRec("Type", "3", "Start", st, "DayOfWeek", "1", "WeekOfMonth", "2", "DayOfMonth", "10"),
			taskRec("Type", "6", "Start", st, "DayOfWeek", "1", "WeekOfMonth", "2", "MonthOfYear", "2", "DayOfMonth", "10"))
	})
}

// MSASTASK_S01_TC04: a monthly recurring task keeps its DayOfMonth.
func TestMSASTASK_S01_TC04_CreateTaskItemRecursMonthly(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		subject := k.name("subject")
		st := k.addTask(subject, taskRec("Type", "2", "Start", taskStart(), "Until", taskNow().AddDate(0, 3, 0).Format(taskDate), "DayOfMonth", "10"), func(task *eas.Task) {
			task.Importance = ptr(1)
			task.Categories = &eas.Categories{Category: []string{"Business", "Waiting"}}
		})
		s.equal(366, "the Status of the Add of a monthly task", 1, st)
		if st != 1 {
			return
		}
		it := k.getChangeItem(subject)
		s.capture(404, it.has("DayOfMonth"), "the monthly recurrence has no DayOfMonth")
		s.capture(409, it.has("DayOfMonth"), "the monthly recurrence has no DayOfMonth")
	})
}

// MSASTASK_S01_TC05: a yearly recurring task keeps its DayOfMonth and
// MonthOfYear.
func TestMSASTASK_S01_TC05_CreateTaskItemRecursYearly(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(taskRec("Type", "5", "Start", taskStart(), "Until", taskNow().AddDate(3, 0, 0).Format(taskDate), "DayOfMonth", "10", "MonthOfYear", "2"), func(task *eas.Task) { task.Importance = ptr(2) })
		s.capture(406, it.has("DayOfMonth"), "the yearly recurrence has no DayOfMonth")
		s.capture(410, it.has("DayOfMonth"), "the yearly recurrence has no DayOfMonth")
		s.capture(417, it.has("MonthOfYear"), "the yearly recurrence has no MonthOfYear")
	})
}

// MSASTASK_S01_TC06: a weekly recurring task keeps its DayOfWeek.
func TestMSASTASK_S01_TC06_CreateTaskItemRecursWeekly(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.rawCreated(taskRec("Type", "1", "Start", taskNow().Add(time.Hour).Format(taskDate), "Until", taskNow().AddDate(0, 0, 21).Format(taskDate), "Interval", "1", "DayOfWeek", "2"))
		s.capture(135, it.has("DayOfWeek"), "the weekly recurrence has no DayOfWeek")
	})
}

// MSASTASK_S01_TC07: DayOfWeek with Type 2 or 5 is refused.
func TestMSASTASK_S01_TC07_CreateTaskItemFailWithDayOfWeek(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		st := taskStart()
		k.taskStatus6(532, "monthly with DayOfWeek", taskRec("Type", "2", "Start", st, "Occurrences", "2", "DayOfWeek", "1", "DayOfMonth", "10"))
		k.taskStatus6(533, "yearly with DayOfWeek", taskRec("Type", "5", "Start", st, "DayOfMonth", "10", "MonthOfYear", "5", "DayOfWeek", "1"))
	})
}

// MSASTASK_S01_TC08: a FirstDayOfWeek outside 0 to 6 is refused (from
// 14.1, which has the element).
func TestMSASTASK_S01_TC08_CreateTaskItemRecursWeeklyWithInvalidFirstDayOfWeek(t *testing.T) {
	atVersions(t, specTASK, from(eas.Version141), func(t *testing.T, s *site) {
		k := taskLab(s)
		k.taskStatus6(171, "with FirstDayOfWeek 7", taskRec("Type", "1", "Start", taskStart(), "Occurrences", "2", "DayOfWeek", "1", "FirstDayOfWeek", "7"))
	})
}

// MSASTASK_S01_TC09: an Importance outside 0 to 2 is accepted and kept.
func TestMSASTASK_S01_TC09_CreateTaskItemWithInvalidImportanceElement(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		subject := k.name("subject")
		st := k.addTask(subject, nil, func(task *eas.Task) { task.Importance = ptr(3) })
		s.equal(187, "the Status of the Add of a task of Importance 3", 1, st)
		if st != 1 {
			return
		}
		it := k.getChangeItem(subject)
		imp := -1
		if it.task.Importance != nil {
			imp = *it.task.Importance
		}
		s.equal(550, "the task's Importance", 3, imp)
	})
}

// MSASTASK_S01_TC10: a yearly recurrence on the nth day keeps its
// DayOfWeek, MonthOfYear and WeekOfMonth.
func TestMSASTASK_S01_TC10_CreateTaskItemRecursYearlyOnTheNthDay(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(taskRec("Type", "6", "Start", taskStart(), "Occurrences", "4", "DayOfWeek", "3", "WeekOfMonth", "2", "MonthOfYear", "10"), nil)
		s.capture(531, it.has("DayOfWeek"), "the recurrence has no DayOfWeek")
		s.capture(418, it.has("MonthOfYear"), "the recurrence has no MonthOfYear")
		s.capture(431, it.has("WeekOfMonth"), "the recurrence has no WeekOfMonth")
		s.capture(433, it.has("WeekOfMonth"), "the recurrence has no WeekOfMonth")
	})
}

// MSASTASK_S01_TC11: a ReminderSet other than 0 or 1 is refused.
func TestMSASTASK_S01_TC11_CreateTaskItemWithInvalidReminderSetElement(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		task := k.taskElements(k.name("subject"))
		task.ReminderSet = nil
		cmd := k.taskAddCommand(task, nil)
		cmd.ApplicationData.Children = append(cmd.ApplicationData.Children, cmdText("Tasks:ReminderSet", "2"))
		s.equal(252, "the Status of the Add of a task with ReminderSet 2", 6, k.syncAddTask(cmd))
	})
}

// MSASTASK_S01_TC12: a monthly recurrence on the nth day keeps its
// DayOfWeek and WeekOfMonth.
func TestMSASTASK_S01_TC12_CreateTaskItemRecursMonthlyOnTheNthDay(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(taskRec("Type", "3", "Start", taskStart(), "Until", taskNow().AddDate(0, 3, 0).Format(taskDate), "DayOfWeek", "1", "WeekOfMonth", "2"), nil)
		s.capture(530, it.has("DayOfWeek"), "the recurrence has no DayOfWeek")
		s.capture(430, it.has("WeekOfMonth"), "the recurrence has no WeekOfMonth")
		s.capture(319, it.has("WeekOfMonth"), "the recurrence has no WeekOfMonth")
	})
}

// MSASTASK_S01_TC13: WeekOfMonth with a Type that does not take it is
// refused.
func TestMSASTASK_S01_TC13_CreateTaskItemFailWithWeekOfMonth(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		st := taskStart()
		k.taskStatus6(320, "with WeekOfMonth and Type 0, 1, 2 and 5",
			taskRec("Type", "0", "Start", st, "Occurrences", "2", "DayOfWeek", "1", "WeekOfMonth", "2"),
			taskRec("Type", "1", "Start", st, "DayOfWeek", "1", "WeekOfMonth", "2"),
			taskRec("Type", "2", "Start", st, "DayOfMonth", "10", "WeekOfMonth", "2"),
			taskRec("Type", "5", "Start", st, "DayOfMonth", "10", "MonthOfYear", "2", "WeekOfMonth", "2"))
	})
}

// MSASTASK_S01_TC14: CalendarType with Type 0 or 1 is refused (run from
// 14.1, as the original's Assume says).
func TestMSASTASK_S01_TC14_CreateTaskItemFailWithCalendarType(t *testing.T) {
	atVersions(t, specTASK, from(eas.Version141), func(t *testing.T, s *site) {
		k := taskLab(s)
		st := taskStart()
		k.taskStatus6(81, "with CalendarType and Type 0 and 1",
			taskRec("Type", "0", "Start", st, "Occurrences", "2", "DayOfWeek", "1", "CalendarType", "0"),
			taskRec("Type", "1", "Start", st, "DayOfWeek", "1", "CalendarType", "0"))
	})
}

// MSASTASK_S01_TC15: with both Occurrences and Until, Occurrences wins.
func TestMSASTASK_S01_TC15_CreateTaskItemOccurrencesAndUntilBothSet(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		start := taskNow()
		subject := k.name("subject")
		cmd := k.rawTask(subject, false, true, taskRec("Type", "0", "Start", start.Add(time.Hour).Format(taskDate), "Until", start.AddDate(0, 0, 5).Format(taskDate), "Occurrences", "2", "Interval", "1", "DayOfWeek", "2"))
		if st := k.syncAddTask(cmd); st != 1 {
			s.t.Fatalf("adding the task: Status %d, want 1", st)
		}
		it := k.getChangeItem(subject)
		s.capture(37013, it.has("Occurrences") && !it.has("Until"), "the recurrence sent with Occurrences and Until has Occurrences %v and Until %v", it.has("Occurrences"), it.has("Until"))
	})
}

// MSASTASK_S01_TC16: a Recurrence without Type is refused.
func TestMSASTASK_S01_TC16_CreateTaskItemRecurrenceWithoutType(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		cmd := k.rawTask(k.name("subject"), false, false, taskRec("Start", taskNow().Add(time.Hour).Format(taskDate), "DayOfWeek", "1"))
		s.equal(289, "the Status of the Add of a task whose Recurrence has no Type", 6, k.syncAddTask(cmd))
	})
}

// MSASTASK_S01_TC17: a completed task keeps its DateCompleted.
func TestMSASTASK_S01_TC17_CreateTaskItemWithDateCompletedElement(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(nil, func(task *eas.Task) {
			task.Complete = ptr(true)
			task.DateCompleted = taskNow().Add(2 * time.Hour).Format(taskDate)
		})
		s.capture(124, it.task.DateCompleted != "", "the completed task has no DateCompleted")
	})
}

// MSASTASK_S01_TC18: a task is created, sent back with its properties,
// and its subject changed.
func TestMSASTASK_S01_TC18_CreateAndChangeSubject(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		subject := k.name("subject")
		if st := k.addTask(subject, nil, func(task *eas.Task) { task.Importance = ptr(2) }); st != 1 {
			s.t.Fatalf("adding the task: Status %d, want 1", st)
		}
		r := k.syncChanges()
		it := k.taskFind(r, subject)
		if it == nil {
			s.t.Fatalf("the task %q is not in the Tasks folder", subject)
		}
		newSubject := k.name("new subject")
		cr := k.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey: k.collection(r).SyncKey, CollectionId: k.tasks, Commands: eas.SyncCommands{k.change(it.serverID, &eas.Task{Subject: newSubject})},
		}}}})
		if col := k.collection(cr); col.Status != 1 {
			s.t.Fatalf("changing the task: Status %d", col.Status)
		}
		if k.taskFind(k.syncChanges(), newSubject) == nil {
			s.t.Errorf("the task renamed %q is not in the Tasks folder", newSubject)
		}
		s.capture(438, it.app != nil, "the task has no ApplicationData")
		s.capture(368, len(noteCommands(r, eas.SyncAdd)) > 0, "the Sync of the Tasks folder has no Add")
		imp, rem := -1, false
		if it.task.Importance != nil {
			imp = *it.task.Importance
		}
		if it.task.ReminderSet != nil {
			rem = *it.task.ReminderSet
		}
		s.equal(369, "the task's Importance", 2, imp)
		s.equal(370, "the task's ReminderSet", true, rem)
	})
}

// MSASTASK_S01_TC19: Categories without Category are no categories.
func TestMSASTASK_S01_TC19_CreateTaskItemCategoriesWithoutChildElements(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(nil, func(task *eas.Task) { task.Categories = &eas.Categories{} })
		s.capture(436, it.task.Categories == nil, "the task added with empty Categories has Categories %v", it.task.Categories)
	})
}

// taskCalendarType adds a task with rec (from 14.0) and captures id when
// its recurrence comes back with a CalendarType, then checks more.
func taskCalendarType(t *testing.T, id int, rec func() *wbxml.Node, more func(s *site, it *taskItem)) {
	atVersions(t, specTASK, from(eas.Version140), func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.taskCreated(rec(), nil)
		s.capture(id, it.has("CalendarType"), "the recurrence (%s) has no CalendarType", noteElementNames(it.recurrence()))
		if more != nil {
			more(s, it)
		}
	})
}

// MSASTASK_S01_TC20: a monthly recurrence comes back with CalendarType.
func TestMSASTASK_S01_TC20_CreateTaskItemRecursMonthlyWithCalendarTypeReturned(t *testing.T) {
	taskCalendarType(t, 82, func() *wbxml.Node {
		return taskRec("Type", "2", "Start", taskStart(), "Occurrences", "3", "DayOfMonth", "10")
	}, nil)
}

// MSASTASK_S01_TC21: a monthly recurrence on the nth day comes back with
// CalendarType.
func TestMSASTASK_S01_TC21_CreateTaskItemRecursMonthlyOnTheNthDayWithCalendarTypeReturned(t *testing.T) {
	taskCalendarType(t, 8211, func() *wbxml.Node {
		return taskRec("Type", "3", "Start", taskStart(), "Occurrences", "3", "DayOfWeek", "1", "WeekOfMonth", "2")
	}, nil)
}

// MSASTASK_S01_TC22: a yearly recurrence comes back with CalendarType and
// IsLeapMonth 0.
func TestMSASTASK_S01_TC22_CreateTaskItemRecursYearlyWithCalendarTypeReturned(t *testing.T) {
	taskCalendarType(t, 8212, func() *wbxml.Node {
		return taskRec("Type", "5", "Start", taskStart(), "Occurrences", "3", "DayOfMonth", "10", "MonthOfYear", "2")
	}, func(s *site, it *taskItem) {
		s.equal(204, "the recurrence's IsLeapMonth", "0", it.recValue("IsLeapMonth"))
	})
}

// MSASTASK_S01_TC23: a yearly recurrence on the nth day comes back with
// CalendarType.
func TestMSASTASK_S01_TC23_CreateTaskItemRecursYearlyOnTheNthDayWithCalendarTypeReturned(t *testing.T) {
	taskCalendarType(t, 8213, func() *wbxml.Node {
		return taskRec("Type", "6", "Start", taskStart(), "Occurrences", "4", "DayOfWeek", "3", "WeekOfMonth", "2", "MonthOfYear", "10")
	}, nil)
}

// MSASTASK_S01_TC24: a weekly recurrence comes back with FirstDayOfWeek
// (from 14.1).
func TestMSASTASK_S01_TC24_CreateTaskItemRecursWeeklyWithFirstDayOfWeekReturned(t *testing.T) {
	atVersions(t, specTASK, from(eas.Version141), func(t *testing.T, s *site) {
		k := taskLab(s)
		it := k.rawCreated(taskRec("Type", "1", "Start", taskNow().Add(time.Hour).Format(taskDate), "Until", taskNow().AddDate(0, 0, 21).Format(taskDate), "Interval", "1", "DayOfWeek", "2"))
		s.capture(167, it.has("FirstDayOfWeek"), "the weekly recurrence (%s) has no FirstDayOfWeek", noteElementNames(it.recurrence()))
	})
}

// MSASTASK_S02_TC01: an ItemOperations Fetch with a Schema of Body
// returns the task's body alone.
func TestMSASTASK_S02_TC01_RetrieveTaskItemWithItemOperations(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		added := k.taskCreated(nil, nil)
		var ops []eas.ItemOperation
		for _, a := range noteCommands(k.syncChanges(), eas.SyncAdd) {
			ops = append(ops, eas.ItemOperation{Fetch: &eas.Fetch{Store: eas.SearchStoreMailbox, CollectionId: k.tasks, ServerId: a.ServerId,
				Options: &eas.FetchOptions{Schema: eas.TagList{cmdTag("AirSyncBase:Body")}, BodyPreference: []eas.BodyPreference{{Type: 1}}}}})
		}
		r := k.itemOperations(&eas.ItemOperationsRequest{Operations: ops})
		s.equal(353, "the ItemOperations Status", 1, r.Status)
		var found *eas.FetchResult
		for _, f := range noteFetches(r) {
			var task eas.Task
			if f.Properties != nil && eas.DecodeItem(f.Properties, &task) == nil && task.Body != nil && added.task.Body != nil && strings.Contains(added.task.Body.Data, task.Body.Data) {
				found = f
			}
		}
		s.capture(356, found != nil, "no fetched task has the body of the task added")
		if found == nil {
			return
		}
		names := noteElementNames(found.Properties)
		s.capture(358, names == "Body", "the task fetched with a Schema of Body has %s", names)
		s.capture(359, names == "Body", "the task fetched with a Schema of Body has %s", names)
	})
}

// MSASTASK_S03_TC01: a Search of the Tasks folder finds the task.
func TestMSASTASK_S03_TC01_RetrieveTaskItemWithSearch(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		subject := k.taskCreated(nil, nil).task.Subject
		sr := k.search(mailboxSearch("Tasks", k.tasks, subject, "0-9"))
		s.equal(351, "the Search Status", 1, sr.Status)
		results := noteResults(sr)
		var task eas.Task
		ok := len(results) > 0 && eas.DecodeItem(results[0].Properties, &task) == nil && task.Subject == subject
		s.capture(361, ok, "the Search for the task %q answered %d results", subject, len(results))
		s.capture(363, ok, "the Search for the task %q answered %d results", subject, len(results))
	})
}

// MSASTASK_S03_TC02: a Search whose query holds a Tasks property is a
// protocol error.
func TestMSASTASK_S03_TC02_RetrieveInvalidTaskItemWithSearch(t *testing.T) {
	atVersions(t, specTASK, versions, func(t *testing.T, s *site) {
		k := taskLab(s)
		k.taskCreated(nil, nil)
		req := cmdNode("Search:Search", cmdNode("Search:Store",
			cmdText("Search:Name", "Mailbox"),
			cmdNode("Search:Query", cmdNode("Search:And",
				cmdText("AirSync:Class", "Tasks"), cmdText("AirSync:CollectionId", k.tasks),
				cmdText("Search:FreeText", "FreeText"), cmdText("Tasks:Subject", "user"))),
			cmdNode("Search:Options", cmdNode("Search:DeepTraversal"))))
		b, err := req.MarshalBinary()
		s.must(err, "encoding the Search")
		r := k.search(b)
		st := r.Status
		if st == 1 && r.Response != nil && r.Response.Store != nil {
			st = r.Response.Store.Status
		}
		s.equal(364, "the Status of a Search with a Tasks:Subject in its query", 2, st)
	})
}
