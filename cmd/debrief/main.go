// Command debrief runs the Debrief server and talks to it from a terminal.
//
// main only wires the process to run, so tests drive the whole program,
// serve included, through run with their own arguments, environment and
// streams.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	// Embedded zone data, so event zones and $TZ work on machines without
	// /usr/share/zoneinfo (minimal containers).
	_ "time/tzdata"

	"github.com/alecthomas/kong"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, sentence(err.Error()))
		var ue *usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// CLI is the command line: one field per command. It is the shared
// registration point: other areas add their command here, each implemented
// in its own file (for example `User UserCmd` in user.go).
type CLI struct {
	Serve   ServeCmd   `cmd:"" help:"Run the Debrief server: the API, webhooks and web pages."`
	Migrate MigrateCmd `cmd:"" help:"Bring the database schema up to date and exit."`
	Version VersionCmd `cmd:"" help:"Print the version of this binary."`

	Backup      BackupCmd      `cmd:"" help:"Copy the SQLite database to a new file while the server runs (PostgreSQL: use pg_dump)."`
	Restore     RestoreCmd     `cmd:"" help:"Replace the SQLite database with a backup, after checking it (stop the server first)."`
	Dump        DumpCmd        `cmd:"" help:"Write every record to a portable export file that loads into SQLite or PostgreSQL."`
	Load        LoadCmd        `cmd:"" help:"Load a portable export into an empty database of either engine, verified by checksums."`
	MigrateData MigrateDataCmd `cmd:"" name:"migrate-data" help:"Move a whole installation between databases, e.g. --from sqlite:./debrief.db --to postgres://…"`
	Healthcheck HealthcheckCmd `cmd:"" hidden:"" help:"Ask a running server's /healthz (for container health checks)."`

	Incident   IncidentCmd   `cmd:"" help:"Declare, list, show and update incidents."`
	Timeline   TimelineCmd   `cmd:"" help:"Add to and list an incident's timeline."`
	Postmortem PostmortemCmd `cmd:"" help:"Start, show and edit postmortems."`
	Action     ActionCmd     `cmd:"" help:"Add, list and complete action items."`
	Idea       IdeaCmd       `cmd:"" help:"Improvement ideas raised in postmortems: the board, merging duplicates, promoting to action items."`
	Review     ReviewCmd     `cmd:"" help:"Plan the postmortem review meeting: participants, proposals, invitation."`
	Analytics  AnalyticsCmd  `cmd:"" help:"Print figures over incidents and action items: counts, response times, follow-through."`
	Notify     NotifyCmd     `cmd:"" help:"Manage notification channels and read the delivery log (admins)."`
	Slack      SlackCmd      `cmd:"" help:"Import a channel of a Slack workspace export into a timeline."`

	Search  SearchCmd  `cmd:"" help:"Search incidents and postmortems, or find incidents like one (--similar)."`
	Reindex ReindexCmd `cmd:"" help:"Rebuild the search index from the records."`

	Integration IntegrationCmd `cmd:"" help:"Add and inspect alert and deploy webhook integrations."`
	Tracker     TrackerCmd     `cmd:"" help:"Add and list the issue trackers (GitHub, Jira) action items are exported to."`
	Team        TeamCmd        `cmd:"" help:"Manage teams: their members and the services they own (weekly summaries, the analytics team filter)."`

	Lint     LintCmd     `cmd:"" help:"Check postmortems like a reviewer would: Markdown files offline, stored ones by ID."`
	Template TemplateCmd `cmd:"" help:"Manage postmortem templates: apply YAML files, list, show, export."`

	Export ExportCmd `cmd:"" help:"Write a postmortem as Markdown, HTML, PDF or JSON (--public for the customer-facing version)."`
	Import ImportCmd `cmd:"" help:"Store a whole postmortem from a Markdown file (exported by Debrief, or written elsewhere)."`

	User  UserCmd  `cmd:"" help:"Add and manage accounts (on the database directly, so the first admin needs no login)."`
	Token TokenCmd `cmd:"" help:"Create, list and revoke API tokens (on the database directly)."`
	Audit AuditCmd `cmd:"" help:"Print the audit log: changes, sign-ins, token use, permission changes."`

	Eval EvalCmd `cmd:"" help:"Measure how well Debrief's judgements agree with labelled history (similar incidents)."`

	Bench     BenchCmd     `cmd:"" hidden:"" help:"Measure a running server's speed (load generator)."`
	BenchBare BenchBareCmd `cmd:"" hidden:"" name:"bench-bare" help:"Serve one file's bytes from a bare net/http handler, the ceiling for request-path figures."`
	// BenchGrowth reports latency and memory of a fixed request mix on one database.
	BenchGrowth BenchGrowthCmd `cmd:"" hidden:"" name:"bench-growth" help:"Measure a fixed mix of requests and the process's memory on one database (latency and memory as data grows)."`
}

// Env is what every command runs with: the process's context, environment
// and streams, injected so that tests can run commands in-process.
type Env struct {
	Ctx    context.Context
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// usageError is a mistake in the command line itself; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// run parses args and runs the chosen command. It never exits the process:
// kong's exit (after --help) is redirected to a flag that run checks.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		// A bare "debrief" is a request for help, not a mistake.
		args = []string{"--help"}
	}
	var cli CLI
	exited := false
	parser, err := kong.New(&cli,
		kong.Name("debrief"),
		kong.Description("Debrief: incident postmortems, self-hosted."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(int) { exited = true }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Resolvers(envResolver(getenv)),
		kong.Vars{"version": version},
	)
	if err != nil {
		return fmt.Errorf("build the command line: %w", err)
	}
	kctx, err := parser.Parse(args)
	if exited {
		// --help (or a version flag) printed what was asked for.
		return nil
	}
	if err != nil {
		return &usageError{msg: usageMessage(err, args)}
	}
	env := &Env{Ctx: ctx, Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	return kctx.Run(env)
}

// envResolver reads each flag's environment variables through getenv rather
// than the process environment, so tests and embedders control them. It is
// consulted only for flags not given on the command line.
func envResolver(getenv func(string) string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			if v := getenv(name); v != "" {
				return v, nil
			}
		}
		return nil, nil
	})
}

// usageMessage turns kong's terse parse errors into a sentence that says
// where to look for the right usage.
func usageMessage(err error, args []string) string {
	msg := sentence(err.Error())
	var cmd []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		cmd = append(cmd, a)
		if len(cmd) == 2 {
			break
		}
	}
	return msg + ` Run "debrief ` + strings.Join(append(cmd, "--help"), " ") + `" to see the usage.`
}

// sentence capitalises s and ends it with a full stop, so every error reads
// as a plain sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Something went wrong."
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	switch s[len(s)-1] {
	case '.', '!', '?':
	default:
		s += "."
	}
	return s
}
