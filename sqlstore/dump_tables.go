package sqlstore

import (
	"fmt"
	"strings"
)

// The tables a dump (dump.go) carries, in an order that respects every
// foreign key, with each column's kind: how its value is written so that
// it reads the same from either engine. A table that is in neither this
// list nor derivedTables makes Dump refuse to run, and
// TestDumpKnowsEveryTable fail, so a migration cannot add records that a
// move between engines would silently leave behind.
//
// A column is "name" (text) or "name:kind[:flag]". Kinds: int, float, time
// (SQLite integer microseconds, PostgreSQL timestamptz), bool (SQLite 0/1),
// json (SQLite text, PostgreSQL jsonb), bytes. Flags: null, for a json
// column that may hold SQL NULL; later, for a reference to a row of the
// same table, which the load fills in once every row of the table is in.
var dumpTables = []dumpTable{
	table("users", "id", "id:int email name role disabled:bool password_hash created_at:time last_login_at:time allow_sso_link:bool"),
	table("sso_identities", "id", "id:int user_id:int issuer subject email linked_at:time"),
	table("api_tokens", "id", "id:int user_id:int name scope hash created_at:time expires_at:time last_used_at:time revoked_at:time"),
	table("templates", "key", "key latest_version:int deleted:bool"),
	table("template_versions", "key version", "key version:int definition:json created_by created_at:time"),
	table("incidents", "id", "id:int title severity status services:json customers:json impact labels:json commander scribe communications started_at:time detected_at:time acknowledged_at:time mitigated_at:time resolved_at:time private:bool members:json repeat_of:int:later created_by created_at:time updated_at:time version:int"),
	table("incident_tags", "incident_id kind value", "incident_id:int kind value"),
	table("timeline_events", "id", "id:int incident_id:int at:time zone source kind text actor external_id starred:bool lifecycle created_at:time version:int alert"),
	table("postmortems", "id", "id:int incident_id:int kind title owner status template template_version:int sections:json root_cause contributing_factors:json lessons:json project:json:null published_at:time created_by created_at:time updated_at:time version:int quality_score:int"),
	table("action_items", "id", "id:int incident_id:int postmortem_id:int title owner due_date:time priority type status tracker_url completed_at:time created_by created_at:time updated_at:time version:int verify_required:bool verification"),
	table("ideas", "id", "id:int title detail status merged_into:int:later action_item_id:int created_by created_at:time updated_at:time version:int"),
	table("idea_mentions", "idea_id postmortem_id", "idea_id:int postmortem_id:int note raised_by raised_at:time"),
	table("trackers", "id", "id:int name kind base_url project issue_type email token enabled:bool created_by created_at:time updated_at:time version:int"),
	table("tracker_links", "action_item_id tracker_id", "action_item_id:int tracker_id:int state external_key url claimed_until:time last_error created_at:time synced_at:time"),
	table("teams", "id", "id:int name members:json created_by created_at:time updated_at:time version:int"),
	table("team_services", "service", "service team_id:int"),
	table("revisions", "id", "id:int entity_type entity_id:int version:int action actor at:time changes:json"),
	table("attachments", "id", "id:int incident_id:int postmortem_id:int filename content_type size:int sha256 uploaded_by created_at:time data:bytes"),
	table("public_links", "id", "id:int postmortem_id:int token_hash created_by created_at:time revoked_at:time"),
	table("reviews", "id", "id:int postmortem_id:int owner title zone window_start window_end length_minutes:int participants:json answers:json chosen_start:time chosen_end:time sequence:int status created_by created_at:time updated_at:time version:int"),
	table("review_meetings", "postmortem_id", "postmortem_id:int review_id:int state:json room_token_hash updated_at:time version:int"),
	table("review_links", "review_id email", "review_id:int email token_hash created_at:time expires_at:time"),
	table("integrations", "id", "id:int name kind enabled:bool config:json token_hash signing_secrets:json created_by created_at:time updated_at:time version:int refused_count:int refused_last_at:time refused_last_from refused_last_reason"),
	table("integration_groups", "integration_id group_key", "integration_id:int group_key incident_id:int"),
	table("alert_states", "integration_id group_key fingerprint", "integration_id:int group_key fingerprint status starts_at:time ends_at:time incident_id:int"),
	table("deliveries", "id", "id:int integration_id:int received_at:time source status:int error alerts:int events_added:int incidents:json outcome rejected:json"),
	table("notification_channels", "id", "id:int kind name target secret events:json created_by created_at:time"),
	table("notifications", "id", "id:int event_key event channel channel_id:int target message status attempts:int next_attempt_at:time lease_until:time worker last_error created_at:time sent_at:time"),
	table("notification_optouts", "user_email event incident_id", "user_email event incident_id:int"),
	table("notify_state", "name", "name value:int"),
	table("audit_log", "id", "id:int at:time actor actor_id:int action target_type target_id changes:json ip user_agent"),
}

// derivedTables are left out of a dump, each for the reason given. Every
// table whose name starts with "search_" is the search index, rebuilt from
// the records after a load (Reindex), and is left out too.
var derivedTables = map[string]string{
	"sessions":             "sign-ins end with a move: carrying cookies to another database buys nothing and widens a leak",
	"goose_db_version":     "the target's schema is made by its own migrations",
	"sqlite_sequence":      "SQLite's counters follow the ids a load writes",
	"auth_generation":      "a counter for the token caches of running servers; a load moves the target's own",
	"analytics_changes":    "marks of changed incidents for the analytics copies of running servers; a load moves analytics_generation instead",
	"analytics_generation": "a counter that makes the analytics copies of running servers read everything again; a load moves the target's own",
}

// derivedTable reports whether a dump leaves the table out on purpose.
func derivedTable(name string) bool {
	_, ok := derivedTables[name]
	return ok || strings.HasPrefix(name, "search_") || strings.HasPrefix(name, "sqlite_")
}

type colKind int

const (
	kindText colKind = iota
	kindInt
	kindFloat
	kindTime
	kindBool
	kindJSON
	kindBytes
)

var kindNames = map[string]colKind{"text": kindText, "int": kindInt, "float": kindFloat, "time": kindTime, "bool": kindBool, "json": kindJSON, "bytes": kindBytes}

func (k colKind) String() string {
	for name, v := range kindNames {
		if v == k {
			return name
		}
	}
	return "?"
}

type dumpColumn struct {
	name string
	kind colKind
	// null: a json column that may be SQL NULL; any other json column
	// written as null holds the JSON text null.
	null bool
	// later: a reference to another row of the same table, which may come
	// after this one; the load writes NULL first and the value once the
	// whole table is in.
	later bool
}

type dumpTable struct {
	name  string
	order []string
	cols  []dumpColumn
}

func (t dumpTable) col(name string) (dumpColumn, bool) {
	for _, c := range t.cols {
		if c.name == name {
			return c, true
		}
	}
	return dumpColumn{}, false
}

// table builds a dumpTable from its name, its primary key (the order of
// its rows) and its column specification; a malformed one panics at
// start-up, as it is a constant of the program.
func table(name, order, spec string) dumpTable {
	t := dumpTable{name: name, order: strings.Fields(order)}
	for _, f := range strings.Fields(spec) {
		parts := strings.Split(f, ":")
		c := dumpColumn{name: parts[0]}
		if len(parts) > 1 {
			k, ok := kindNames[parts[1]]
			if !ok {
				panic(fmt.Sprintf("sqlstore: dump table %s: column %s has unknown kind %q", name, c.name, parts[1]))
			}
			c.kind = k
		}
		for _, flag := range parts[min(2, len(parts)):] {
			switch flag {
			case "null":
				c.null = true
			case "later":
				c.later = true
			default:
				panic(fmt.Sprintf("sqlstore: dump table %s: column %s has unknown flag %q", name, c.name, flag))
			}
		}
		t.cols = append(t.cols, c)
	}
	for _, o := range t.order {
		if _, ok := t.col(o); !ok {
			panic(fmt.Sprintf("sqlstore: dump table %s: order column %s is not a column", name, o))
		}
	}
	return t
}

// DumpTableNames returns the tables a dump carries, in the order it
// writes them.
func DumpTableNames() []string {
	names := make([]string, len(dumpTables))
	for i, t := range dumpTables {
		names[i] = t.name
	}
	return names
}

func dumpTableNamed(name string) (int, bool) {
	for i, t := range dumpTables {
		if t.name == name {
			return i, true
		}
	}
	return 0, false
}
