package ingest

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// SlackOptions says which part of a Slack workspace export to import.
type SlackOptions struct {
	// Channel is the channel's name (with or without "#") or its ID.
	Channel string
	// From and To bound the messages taken, both inclusive; a zero value
	// leaves that end open. Replies in the thread of a message inside the
	// window are taken even when they were written after To, so a thread
	// is never cut in half.
	From, To time.Time
	// IncludeBots keeps messages posted by bots and apps, which are left
	// out by default as noise.
	IncludeBots bool
	// Kind is the kind of every event; empty means communication.
	Kind debrief.EventKind
	// Progress, when set, is called as day files are read with the bytes
	// read so far and the bytes to read in total (which can grow once, when
	// threads reach past the window).
	Progress func(done, total int64)
}

// SlackImport is what ParseSlackExport found.
type SlackImport struct {
	// Events are in conversation order: each top-level message followed
	// by its thread replies, oldest first.
	Events    []*debrief.TimelineEvent
	ChannelID string
	Channel   string
	// Files and Bytes count the day files read.
	Files int
	Bytes int64
	// Skipped counts the messages left out, by reason.
	Skipped map[string]int
}

// Reasons a message is left out, as counted in SlackImport.Skipped.
const (
	SkipJoinLeave = "join or leave"
	SkipBot       = "bot or app"
	SkipNotice    = "channel notice"
	SkipDeleted   = "deleted"
	SkipEmpty     = "no text"
	SkipOutside   = "outside the window"
)

// slackNoticeSubtypes are messages Slack writes itself; they say nothing
// about the incident. Joins and leaves are counted apart.
var slackNoticeSubtypes = map[string]bool{
	"channel_topic": true, "channel_purpose": true, "channel_name": true, "channel_archive": true,
	"channel_unarchive": true, "group_topic": true, "group_purpose": true, "group_name": true,
	"group_archive": true, "group_unarchive": true, "pinned_item": true, "unpinned_item": true,
	"bot_add": true, "bot_remove": true, "bot_enable": true, "bot_disable": true,
	"reminder_add": true, "reminder_delete": true, "tombstone": true, "joiner_notification": true,
	"joiner_notification_for_inviter": true, "slackbot_response": true, "sh_room_created": true,
	"sh_room_shared": true, "huddle_thread": true, "channel_convert_to_private": true,
	"channel_posting_permissions": true, "ekm_access_denied": true, "app_conversation_leave": true,
	"channel_canvas_updated": true, "assistant_app_thread": true,
}

var slackJoinLeaveSubtypes = map[string]bool{
	"channel_join": true, "channel_leave": true, "group_join": true, "group_leave": true,
}

// slackMessage holds the fields of an exported message that matter here.
// Everything else (blocks, attachments, icons) is skipped by the decoder
// without being kept.
type slackMessage struct {
	Type         string `json:"type"`
	Subtype      string `json:"subtype"`
	User         string `json:"user"`
	BotID        string `json:"bot_id"`
	Username     string `json:"username"`
	Text         string `json:"text"`
	TS           string `json:"ts"`
	ThreadTS     string `json:"thread_ts"`
	ParentUserID string `json:"parent_user_id"`
	Edited       *struct {
		User string `json:"user"`
		TS   string `json:"ts"`
	} `json:"edited"`
	Reactions []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	} `json:"reactions"`
	PinnedTo    []string `json:"pinned_to"`
	IsStarred   bool     `json:"is_starred"`
	UserProfile *struct {
		DisplayName string `json:"display_name"`
		RealName    string `json:"real_name"`
		Name        string `json:"name"`
	} `json:"user_profile"`
	BotProfile *struct {
		Name string `json:"name"`
	} `json:"bot_profile"`
	Files []struct {
		Name  string `json:"name"`
		Title string `json:"title"`
	} `json:"files"`
	// Attachments carry the text of many bot and app messages.
	Attachments []struct {
		Fallback string `json:"fallback"`
		Pretext  string `json:"pretext"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"attachments"`
	Replies []struct {
		TS string `json:"ts"`
	} `json:"replies"`
	LatestReply string `json:"latest_reply"`
	// Message and DeletedTS carry the subtypes message_changed and
	// message_deleted, which some exports contain.
	Message   *slackMessage `json:"message"`
	DeletedTS string        `json:"deleted_ts"`
}

type slackUser struct {
	name string
	zone string
}

// slackEntry is a message kept from the day files, before the window and
// threads are applied.
type slackEntry struct {
	ts, threadTS string
	at           time.Time
	user         string
	actor        string
	text         string // as written in Slack's markup
	edited       bool
	starred      bool
	files        []string
	lastReply    time.Time
	// prefix starts the text of the replies in this message's thread.
	prefix string
}

// ParseSlackExport reads one channel of a Slack workspace export (the
// folder or zip Slack's export tool writes: channels.json, users.json and
// <channel>/<YYYY-MM-DD>.json) and returns its messages in the window as
// timeline events.
//
// Each event has source slack, the author's display name (from users.json)
// as actor, the author's time zone (from users.json) as zone, and the
// external id "slack:<channel id>:<ts>", so importing the same export again
// adds nothing. Joins, leaves, channel notices and bot messages are left
// out; a message with reactions or pinned is starred; an edited message is
// shown once, with its final text and "(edited)". A thread reply follows
// its parent in Events and its text starts with `↳ In thread "…":` naming
// the parent, because the timeline lists events by time and a reply can
// come hours after its parent.
//
// Day files are decoded one message at a time and only the days the window
// needs are opened, so memory grows with the messages kept, not with the
// size of the export.
func ParseSlackExport(fsys fs.FS, opt SlackOptions) (*SlackImport, error) {
	root, err := slackRoot(fsys)
	if err != nil {
		return nil, err
	}
	ch, err := findSlackChannel(root, opt.Channel)
	if err != nil {
		return nil, err
	}
	users, err := readSlackUsers(root)
	if err != nil {
		return nil, err
	}
	p := &slackParser{
		fsys: root, opt: opt, users: users, channel: ch,
		res:      &SlackImport{ChannelID: ch.ID, Channel: ch.Name, Skipped: map[string]int{}},
		zones:    map[string]slackZone{},
		edits:    map[string]*slackMessage{},
		deleted:  map[string]bool{},
		entryIdx: map[string]int{},
	}
	if p.opt.Kind == "" {
		p.opt.Kind = debrief.KindCommunication
	}
	if err := p.read(); err != nil {
		return nil, err
	}
	p.res.Bytes = p.done.Load()
	if err := p.build(); err != nil {
		return nil, err
	}
	if len(p.res.Events) == 0 {
		return p.res, debrief.Errorf(debrief.EInvalid, "channel", "#%s has no messages to import%s (%s).", ch.Name, windowText(opt.From, opt.To), skippedText(p.res.Skipped))
	}
	return p.res, nil
}

// windowText describes the window in an error message.
func windowText(from, to time.Time) string {
	const layout = "2006-01-02 15:04 MST"
	switch {
	case !from.IsZero() && !to.IsZero():
		return " between " + from.UTC().Format(layout) + " and " + to.UTC().Format(layout)
	case !from.IsZero():
		return " after " + from.UTC().Format(layout)
	case !to.IsZero():
		return " before " + to.UTC().Format(layout)
	}
	return ""
}

// skippedText summarises what was left out, e.g. "left out: 3 join or
// leave, 1 bot or app".
func skippedText(skipped map[string]int) string {
	if len(skipped) == 0 {
		return "the channel has no messages"
	}
	reasons := make([]string, 0, len(skipped))
	for r := range skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = strconv.Itoa(skipped[r]) + " " + r
	}
	return "left out: " + strings.Join(parts, ", ")
}

// OpenSlackZip opens a Slack export zip held in r.
func OpenSlackZip(r io.ReaderAt, size int64) (fs.FS, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "file", "The file is not a zip archive (%s); give the zip Slack's export tool wrote, or its unpacked folder.", strings.TrimPrefix(err.Error(), "zip: "))
	}
	return z, nil
}

// slackRoot finds the export inside fsys: at its top, or inside its one
// top-level folder (unpacking tools often add one).
func slackRoot(fsys fs.FS) (fs.FS, error) {
	if _, err := fs.Stat(fsys, "channels.json"); err == nil {
		return fsys, nil
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "file", "The Slack export cannot be read: %v.", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if _, err := fs.Stat(fsys, e.Name()+"/channels.json"); err == nil {
				return fs.Sub(fsys, e.Name())
			}
		}
	}
	return nil, debrief.Errorf(debrief.EInvalid, "file", "This is not a Slack workspace export: it has no channels.json.")
}

type slackChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// folder is where its day files are: the name, or the id for DMs.
	folder string
}

// findSlackChannel looks the channel up in channels.json, then in the
// private (groups.json) and group-DM (mpims.json) lists.
func findSlackChannel(fsys fs.FS, want string) (slackChannel, error) {
	want = strings.TrimPrefix(strings.TrimSpace(want), "#")
	if want == "" {
		return slackChannel{}, debrief.Errorf(debrief.EInvalid, "channel", "Name the Slack channel to import, e.g. --channel incident-42.")
	}
	var names []string
	for _, list := range []string{"channels.json", "groups.json", "mpims.json", "dms.json"} {
		f, err := fsys.Open(list)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return slackChannel{}, fmt.Errorf("ingest: open %s: %w", list, err)
		}
		var found *slackChannel
		err = decodeArray(f, func(dec *json.Decoder) error {
			var c slackChannel
			if err := dec.Decode(&c); err != nil {
				return err
			}
			if found == nil && (c.Name == want || c.ID == want) {
				c.folder = c.Name
				if c.folder == "" {
					c.folder = c.ID
				}
				found = &c
			}
			if c.Name != "" && len(names) < 30 {
				names = append(names, c.Name)
			}
			return nil
		})
		f.Close()
		if err != nil {
			return slackChannel{}, debrief.Errorf(debrief.EInvalid, "file", "%s is not a valid list of channels: %s.", list, jsonReasonPlain(err))
		}
		if found != nil {
			return *found, nil
		}
	}
	sort.Strings(names)
	return slackChannel{}, debrief.Errorf(debrief.ENotFound, "channel", "The export has no channel %q; it has: %s.", want, strings.Join(names, ", "))
}

// readSlackUsers reads users.json into id → name and zone. An export
// without it still imports; authors then fall back to the profile Slack
// copies into each message, or to their user id.
func readSlackUsers(fsys fs.FS) (map[string]slackUser, error) {
	users := map[string]slackUser{}
	for _, list := range []string{"users.json", "org_users.json"} {
		f, err := fsys.Open(list)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ingest: open %s: %w", list, err)
		}
		err = decodeArray(f, func(dec *json.Decoder) error {
			var u struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				RealName string `json:"real_name"`
				TZ       string `json:"tz"`
				Profile  struct {
					DisplayName string `json:"display_name"`
					RealName    string `json:"real_name"`
				} `json:"profile"`
			}
			if err := dec.Decode(&u); err != nil {
				return err
			}
			users[u.ID] = slackUser{name: slackFirst(u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name, u.ID), zone: u.TZ}
			return nil
		})
		f.Close()
		if err != nil {
			return nil, debrief.Errorf(debrief.EInvalid, "file", "%s is not a valid list of users: %s.", list, jsonReasonPlain(err))
		}
	}
	return users, nil
}

// decodeArray streams the elements of a top-level JSON array to each.
func decodeArray(r io.Reader, each func(*json.Decoder) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("expected a JSON array")
	}
	for dec.More() {
		if err := each(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	return nil
}

func jsonReasonPlain(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("the field %q holds a %s where Slack writes a %s", te.Field, te.Value, jsonTypeName(te.Type.Kind().String()))
		}
		return fmt.Sprintf("a %s where Slack writes a list or an object", te.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the JSON ends too early"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonTypeName names a Go kind the way JSON does.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "slice", "array":
		return "list"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "true or false"
	}
	return "number"
}

func slackFirst(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

type slackParser struct {
	fsys    fs.FS
	opt     SlackOptions
	users   map[string]slackUser
	channel slackChannel
	res     *SlackImport
	zones   map[string]slackZone

	entries  []slackEntry
	entryIdx map[string]int // ts → index in entries
	edits    map[string]*slackMessage
	deleted  map[string]bool
	// done counts bytes read by all day readers; progressMu serialises the
	// progress callback, which may be called from several of them.
	done       atomic.Int64
	progressMu sync.Mutex
	total      int64
}

type dayFile struct {
	name string
	day  time.Time
	size int64
}

// read decodes the day files the window needs, then the later ones that
// hold replies to threads started in the window.
func (p *slackParser) read() error {
	all, err := p.dayFiles()
	if err != nil {
		return err
	}
	// Day files are named by date but Slack does not document in which
	// zone, so one day either side of the window is read too; the window
	// itself is applied to each message's exact time.
	var first, later []dayFile
	for _, d := range all {
		switch {
		case !p.opt.From.IsZero() && d.day.Before(p.opt.From.UTC().AddDate(0, 0, -2)):
		case !p.opt.To.IsZero() && d.day.After(p.opt.To.UTC().AddDate(0, 0, 1)):
			later = append(later, d)
		default:
			first = append(first, d)
		}
	}
	for _, d := range first {
		p.total += d.size
	}
	if err := p.readDays(first, nil); err != nil {
		return err
	}
	// Threads started in the window may go on after it.
	open := map[string]bool{}
	var lastReply time.Time
	for _, e := range p.entries {
		if e.threadTS == "" && p.inWindow(e.at) && e.lastReply.After(p.windowEnd()) {
			open[e.ts] = true
			if e.lastReply.After(lastReply) {
				lastReply = e.lastReply
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	var extra []dayFile
	for _, d := range later {
		if !d.day.After(lastReply.UTC().AddDate(0, 0, 1)) {
			extra = append(extra, d)
			p.total += d.size
		}
	}
	return p.readDays(extra, open)
}

// dayResult is what one day file held, before it is merged in day order.
type dayResult struct {
	entries []slackEntry
	edits   []*slackMessage
	deleted []string
	skipped map[string]int
	err     error
}

// readDays decodes day files on every core (decoding JSON is the cost of an
// import) and merges their messages in day order as each day is ready, so
// the result is the same as reading them one by one and only a few decoded
// days wait in memory. The first error in day order wins.
func (p *slackParser) readDays(days []dayFile, onlyThreads map[string]bool) error {
	if len(days) == 0 {
		return nil
	}
	results := make([]chan dayResult, len(days))
	for i := range results {
		results[i] = make(chan dayResult, 1)
	}
	next := make(chan int)
	stop := make(chan struct{})
	defer close(stop)
	workers := min(runtime.GOMAXPROCS(0), len(days))
	for range workers {
		go func() {
			for i := range next {
				results[i] <- p.readDay(days[i], onlyThreads)
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range days {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	for i := range days {
		r := <-results[i]
		if r.err != nil {
			return r.err
		}
		p.merge(&r)
	}
	return nil
}

// merge adds one day's messages to the parser's, in order.
func (p *slackParser) merge(r *dayResult) {
	p.res.Files++
	for k, n := range r.skipped {
		p.res.Skipped[k] += n
	}
	for _, m := range r.edits {
		p.edits[m.TS] = m
	}
	for _, ts := range r.deleted {
		p.deleted[ts] = true
	}
	for _, e := range r.entries {
		if j, dup := p.entryIdx[e.ts]; dup {
			// The same message in two day files: keep the later copy.
			p.entries[j] = e
			continue
		}
		p.entryIdx[e.ts] = len(p.entries)
		p.entries = append(p.entries, e)
	}
}

func (p *slackParser) windowEnd() time.Time {
	if p.opt.To.IsZero() {
		return time.Unix(1<<62, 0)
	}
	return p.opt.To
}

func (p *slackParser) inWindow(t time.Time) bool {
	return (p.opt.From.IsZero() || !t.Before(p.opt.From)) && (p.opt.To.IsZero() || !t.After(p.opt.To))
}

// dayFiles lists the channel's day files, oldest first.
func (p *slackParser) dayFiles() ([]dayFile, error) {
	entries, err := fs.ReadDir(p.fsys, p.channel.folder)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // a channel nobody wrote in has no folder
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: list %s: %w", p.channel.folder, err)
	}
	var days []dayFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		day, err := time.Parse("2006-01-02", strings.TrimSuffix(name, ".json"))
		if err != nil {
			continue // not a day file
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("ingest: stat %s: %w", name, err)
		}
		days = append(days, dayFile{name: path.Join(p.channel.folder, name), day: day, size: info.Size()})
	}
	sort.Slice(days, func(i, j int) bool { return days[i].day.Before(days[j].day) })
	return days, nil
}

// MaxSlackDayFile bounds one day file of an export. Slack writes a day of a
// busy channel in a few megabytes; the bound keeps a crafted zip (a small
// archive that unpacks to one enormous message) from exhausting memory,
// since the decoder holds one message at a time.
const MaxSlackDayFile = 256 << 20

// dayFileLimit is MaxSlackDayFile; tests lower it.
var dayFileLimit int64 = MaxSlackDayFile

var errDayTooLarge = errors.New("day file too large")

// countingReader counts bytes for the progress callback and stops a day
// file at MaxSlackDayFile.
type countingReader struct {
	r    io.Reader
	p    *slackParser
	read int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	if c.read >= dayFileLimit {
		return 0, errDayTooLarge
	}
	if rest := dayFileLimit - c.read; int64(len(b)) > rest {
		b = b[:rest]
	}
	n, err := c.r.Read(b)
	c.read += int64(n)
	if n > 0 {
		done := c.p.done.Add(int64(n))
		if c.p.opt.Progress != nil {
			c.p.progressMu.Lock()
			c.p.opt.Progress(done, c.p.total)
			c.p.progressMu.Unlock()
		}
	}
	return n, err
}

// readDay decodes one day file message by message. With onlyThreads set,
// only replies to those threads are kept. It touches no shared state but
// the byte count, so several run at once.
func (p *slackParser) readDay(d dayFile, onlyThreads map[string]bool) (r dayResult) {
	r.skipped = map[string]int{}
	f, err := p.fsys.Open(d.name)
	if err != nil {
		r.err = fmt.Errorf("ingest: open %s: %w", d.name, err)
		return r
	}
	defer f.Close()
	dec := json.NewDecoder(&countingReader{r: f, p: p})
	tok, err := dec.Token()
	if err != nil {
		r.err = p.dayError(d, dec, 0, err)
		return r
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		r.err = p.dayError(d, dec, 0, errors.New("expected a JSON array of messages"))
		return r
	}
	for dec.More() {
		var m slackMessage
		start := dec.InputOffset()
		if err := dec.Decode(&m); err != nil {
			r.err = p.dayError(d, dec, start, err)
			return r
		}
		if onlyThreads != nil && !(m.ThreadTS != "" && m.ThreadTS != m.TS && onlyThreads[m.ThreadTS]) {
			continue
		}
		if err := p.keep(&m, d, &r); err != nil {
			r.err = err
			return r
		}
	}
	if _, err := dec.Token(); err != nil {
		r.err = p.dayError(d, dec, dec.InputOffset(), err)
	}
	return r
}

// dayError names the day file and the line of a decoding error. Finding
// the line costs a second read of the file, which only errors pay. The
// decoder reports type errors relative to where Decode started reading
// (valueStart), pointing just past the offending value.
func (p *slackParser) dayError(d dayFile, dec *json.Decoder, valueStart int64, err error) error {
	if errors.Is(err, errDayTooLarge) {
		return fileError(d.name, "file", "the day file is larger than %d MB, which no Slack export writes; check the export.", dayFileLimit>>20)
	}
	var data []byte
	if f, ferr := p.fsys.Open(d.name); ferr == nil {
		data, _ = io.ReadAll(f)
		f.Close()
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = valueStart + te.Offset
	}
	off = min(off, int64(len(data)))
	return lineError(d.name, newLineIndex(data).line(max(off-1, 0)), "file", "%s.", jsonReasonPlain(err))
}

// keep records one message unless it is noise.
func (p *slackParser) keep(m *slackMessage, d dayFile, r *dayResult) error {
	switch {
	case m.Subtype == "message_changed":
		if m.Message != nil && m.Message.TS != "" {
			r.edits = append(r.edits, m.Message)
		}
		return nil
	case m.Subtype == "message_deleted":
		if m.DeletedTS != "" {
			r.deleted = append(r.deleted, m.DeletedTS)
		}
		return nil
	case slackJoinLeaveSubtypes[m.Subtype]:
		r.skipped[SkipJoinLeave]++
		return nil
	case slackNoticeSubtypes[m.Subtype]:
		r.skipped[SkipNotice]++
		return nil
	case (m.Subtype == "bot_message" || (m.BotID != "" && m.User == "")) && !p.opt.IncludeBots:
		r.skipped[SkipBot]++
		return nil
	case m.Type != "" && m.Type != "message":
		r.skipped[SkipNotice]++
		return nil
	}
	at, err := parseSlackTS(m.TS)
	if err != nil {
		return fileError(d.name, "file", "a message has the timestamp %q, which is not a Slack ts like 1498401071.279035.", m.TS)
	}
	text := m.Text
	if strings.TrimSpace(text) == "" {
		for _, a := range m.Attachments {
			if t := slackFirst(a.Fallback, a.Text, a.Title, a.Pretext); t != "" {
				text = t
				break
			}
		}
	}
	e := slackEntry{ts: m.TS, at: at, user: m.User, text: text, edited: m.Edited != nil,
		starred: len(m.Reactions) > 0 || len(m.PinnedTo) > 0 || m.IsStarred}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		e.threadTS = m.ThreadTS
	}
	e.actor = p.actor(m)
	for _, f := range m.Files {
		e.files = append(e.files, slackFirst(f.Title, f.Name, "a file"))
	}
	if e.threadTS == "" {
		if t, err := parseSlackTS(m.LatestReply); err == nil {
			e.lastReply = t
		}
		for _, r := range m.Replies {
			if t, err := parseSlackTS(r.TS); err == nil && t.After(e.lastReply) {
				e.lastReply = t
			}
		}
	}
	r.entries = append(r.entries, e)
	return nil
}

func (p *slackParser) actor(m *slackMessage) string {
	if u, ok := p.users[m.User]; ok && u.name != "" {
		return u.name
	}
	if m.UserProfile != nil {
		if n := slackFirst(m.UserProfile.DisplayName, m.UserProfile.RealName, m.UserProfile.Name); n != "" {
			return n
		}
	}
	if m.BotProfile != nil && m.BotProfile.Name != "" {
		return m.BotProfile.Name
	}
	return slackFirst(m.Username, m.User, m.BotID)
}

// zone is the author's IANA zone from users.json, or UTC. Locations are
// cached per author: loading one reads the zone database.
func (p *slackParser) zone(user string) (string, *time.Location) {
	if z, ok := p.zones[user]; ok {
		return z.name, z.loc
	}
	z := slackZone{name: "UTC", loc: time.UTC}
	if u, found := p.users[user]; found && u.zone != "" {
		if loc, err := time.LoadLocation(u.zone); err == nil {
			z = slackZone{name: u.zone, loc: loc}
		}
	}
	p.zones[user] = z
	return z.name, z.loc
}

type slackZone struct {
	name string
	loc  *time.Location
}

// build applies edits, deletions, the window and threads, and turns the
// kept messages into events.
func (p *slackParser) build() error {
	for ts, m := range p.edits {
		if i, ok := p.entryIdx[ts]; ok {
			p.entries[i].text = m.Text
			p.entries[i].edited = true
		}
	}
	parents := map[string]*slackEntry{}
	for i := range p.entries {
		if p.entries[i].threadTS == "" {
			parents[p.entries[i].ts] = &p.entries[i]
		}
	}
	var top []*slackEntry
	replies := map[string][]*slackEntry{}
	for i := range p.entries {
		e := &p.entries[i]
		if p.deleted[e.ts] {
			p.res.Skipped[SkipDeleted]++
			continue
		}
		parent := parents[e.threadTS]
		inThreadOfWindow := e.threadTS != "" && parent != nil && p.inWindow(parent.at) && !p.deleted[parent.ts]
		if !p.inWindow(e.at) && !inThreadOfWindow {
			p.res.Skipped[SkipOutside]++
			continue
		}
		if inThreadOfWindow {
			replies[e.threadTS] = append(replies[e.threadTS], e)
		} else {
			top = append(top, e)
		}
	}
	byTime := func(s []*slackEntry) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].at.Before(s[j].at) })
	}
	byTime(top)
	for _, e := range top {
		if err := p.emit(e, parents); err != nil {
			return err
		}
		if e.threadTS == "" {
			rs := replies[e.ts]
			byTime(rs)
			for _, r := range rs {
				if err := p.emit(r, parents); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// emit turns one kept message into an event.
func (p *slackParser) emit(e *slackEntry, parents map[string]*slackEntry) error {
	text := p.plainText(e.text)
	if len(e.files) > 0 {
		shared := "[file: " + strings.Join(e.files, ", ") + "]"
		text = strings.TrimSpace(text + " " + shared)
	}
	if strings.TrimSpace(text) == "" {
		p.res.Skipped[SkipEmpty]++
		return nil
	}
	if e.edited {
		text += " (edited)"
	}
	if e.threadTS != "" {
		prefix := "↳ In a thread: "
		if parent := parents[e.threadTS]; parent != nil && !p.deleted[parent.ts] {
			if parent.prefix == "" {
				parent.prefix = "↳ In thread \"" + snippet(p.plainText(parent.text), 60) + "\": "
			}
			prefix = parent.prefix
		}
		text = prefix + text
	}
	zoneName, loc := p.zone(e.user)
	ev := &debrief.TimelineEvent{
		At:         e.at.In(loc),
		Zone:       zoneName,
		Source:     debrief.SourceSlack,
		Kind:       p.opt.Kind,
		Text:       clip(text, debrief.MaxEventTextLen),
		Actor:      clip(e.actor, debrief.MaxListItemLen),
		ExternalID: "slack:" + p.channel.ID + ":" + e.ts,
		Starred:    e.starred,
	}
	if err := ev.Validate(); err != nil {
		return fileError(p.channel.folder, debrief.ErrorField(err), "the message at ts %s cannot be imported: %s", e.ts, lowerFirst(debrief.ErrorMessage(err)))
	}
	p.res.Events = append(p.res.Events, ev)
	return nil
}

// parseSlackTS reads Slack's "seconds.microseconds" message id exactly
// (as a float it would lose the microseconds).
func parseSlackTS(ts string) (time.Time, error) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 || s > 1<<40 || len(frac) > 9 || (frac != "" && !isDigits(frac)) {
		return time.Time{}, fmt.Errorf("bad ts %q", ts)
	}
	ns := 0
	if frac != "" {
		ns, _ = strconv.Atoi((frac + "000000000")[:9])
	}
	return time.Unix(s, int64(ns)).UTC(), nil
}

// plainText turns Slack's markup into readable text: <@U123> becomes the
// person's name, <#C123|incident> "#incident", <https://x|label>
// "label (https://x)", <!here> "@here", and &lt; &gt; &amp; their
// characters.
func (p *slackParser) plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(unescapeSlack(s[:i]))
		b.WriteString(p.slackLink(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
	b.WriteString(unescapeSlack(s))
	return strings.TrimSpace(b.String())
}

func (p *slackParser) slackLink(inner string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	label = unescapeSlack(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if hasLabel && label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		if u, ok := p.users[target[1:]]; ok {
			return "@" + u.name
		}
		return target
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!"):
		if hasLabel && label != "" {
			return label
		}
		return "@" + strings.TrimPrefix(target, "!")
	}
	target = unescapeSlack(target)
	if hasLabel && label != "" && label != target {
		return label + " (" + target + ")"
	}
	return target
}

var slackEscapes = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescapeSlack(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return slackEscapes.Replace(s)
}

// snippet shortens s to at most n runes on one line, for naming a thread.
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = " … (cut)"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
