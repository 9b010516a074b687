package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/live"
	"github.com/debriefhq/debrief/password"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/tracker"
	"github.com/debriefhq/debrief/web"
)

// DBFlag names the database; serve and migrate share it.
type DBFlag struct {
	DB string `name:"db" help:"SQLite file, or a postgres:// URL to use PostgreSQL." default:"./debrief.db" env:"DEBRIEF_DB" placeholder:"PATH|URL"`
}

// LogFlags configure the server's structured logs (on stderr).
type LogFlags struct {
	LogFormat string `help:"Log format: text or json." enum:"text,json" default:"text" env:"DEBRIEF_LOG_FORMAT"`
	LogLevel  string `help:"Lowest level logged: debug, info, warn or error." enum:"debug,info,warn,error" default:"info" env:"DEBRIEF_LOG_LEVEL"`
}

// logger builds the slog logger the flags describe.
func (f *LogFlags) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(f.LogLevel)) // the enum tag admits only valid names
	opts := &slog.HandlerOptions{Level: level}
	if f.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ServeCmd runs the server.
type ServeCmd struct {
	Addr    string `help:"Address to listen on (host:port; port 0 picks a free one)." default:"127.0.0.1:8080" env:"DEBRIEF_ADDR"`
	DBFlag  `embed:""`
	Demo    bool  `help:"Load a small demo data set if the database is empty."`
	MaxBody int64 `help:"Largest request body accepted, in bytes." default:"1048576" env:"DEBRIEF_MAX_BODY" placeholder:"BYTES"`
	// MaxAttachment is separate from MaxBody: a screenshot is far larger
	// than any JSON body, and only the upload routes read this much.
	MaxAttachment int64  `help:"Largest attachment (screenshot, log, data file) accepted, in bytes." default:"10485760" env:"DEBRIEF_MAX_ATTACHMENT" placeholder:"BYTES"`
	Chromium      string `help:"Chromium binary that prints PDF exports (default: /usr/bin/chromium or chromium on $PATH)." env:"DEBRIEF_CHROMIUM" placeholder:"PATH"`
	PublicURL     string `name:"public-url" help:"Address people reach Debrief at, e.g. https://debrief.example.com; absolute links in feeds and public links use it (default: http:// and the listen address)." env:"DEBRIEF_PUBLIC_URL" placeholder:"URL"`
	LogFlags      `embed:""`
	AuthFlags     `embed:""`
	Messaging     `embed:""`
	ProxyFlags    `embed:""`

	// CalendarAllowPrivate is the admin's setting for review calendars
	// fetched by URL from inside their own network.
	CalendarAllowPrivate bool `help:"Let review participants import calendars from loopback, private and link-local addresses (refused by default so the server cannot be used to probe the internal network)." env:"DEBRIEF_CALENDAR_ALLOW_PRIVATE"`

	// TrackerSync is how often exported action items' issues are read back.
	TrackerSync time.Duration `name:"tracker-sync" help:"How often the issues of action items exported to GitHub or Jira are read back (a closed issue marks its item done); 0 turns it off." default:"10m" env:"DEBRIEF_TRACKER_SYNC"`
}

// shutdownGrace bounds how long in-flight requests may take to finish after
// a stop signal before connections are closed.
const shutdownGrace = 15 * time.Second

// Run opens the database (migrating it), optionally loads demo data,
// listens, and serves until ctx is cancelled (SIGINT or SIGTERM in main),
// then finishes in-flight requests and closes the database.
func (c *ServeCmd) Run(env *Env) error {
	ctx := env.Ctx
	log := c.logger(env.Stderr)
	if c.MaxAttachment <= 0 {
		return fmt.Errorf("--max-attachment must be a positive number of bytes, e.g. 10485760 for 10 MiB; got %d", c.MaxAttachment)
	}
	db, err := sqlstore.Open(ctx, c.DB, log)
	if err != nil {
		return openError(c.DB, err)
	}
	defer db.Close()
	hub, err := openLive(ctx, c.DB, log)
	if err != nil {
		return err
	}
	defer hub.Close()
	// Custom templates live in the same database as the records.
	opts := []debrief.Option{debrief.WithTemplates(debrief.StoreTemplates(db)), debrief.WithPasswordHasher(password.New()),
		debrief.WithMaxAttachment(c.MaxAttachment), debrief.WithPublisher(hub),
		debrief.WithTrackerClient(&tracker.Client{UserAgent: "Debrief/" + version}), debrief.WithBaseURL(c.PublicURL)}
	// Review invitations and reminders by e-mail, through the outbox.
	mailer := c.Messaging.reviewMailer()
	if mailer != nil {
		opts = append(opts, debrief.WithReviewNotifier(mailer))
	}
	svc := newService(db, opts...)
	if c.Demo {
		loaded, err := loadDemo(ctx, svc)
		if err != nil {
			return fmt.Errorf("could not load the demo data: %w", err)
		}
		if loaded {
			fmt.Fprintln(env.Stdout, "Loaded the demo data set: a handful of incidents with timelines, postmortems and action items.")
		} else {
			fmt.Fprintln(env.Stdout, "The database already holds data, so the demo data set was not loaded.")
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v; is another server using it? Pick another with --addr or DEBRIEF_ADDR", c.Addr, errors.Unwrap(err))
	}
	wcfg := web.Config{
		Service:      svc,
		Store:        db,
		Logger:       log,
		Version:      version,
		MaxBodyBytes: c.MaxBody,
		Chromium:     c.Chromium,
		PublicURL:    c.PublicURL,
		Live:         hub,
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		ln.Close()
		return err
	}
	if wcfg.PublicURL == "" {
		wcfg.PublicURL = "http://" + ln.Addr().String()
	}
	// Review participants' calendar URLs (web.Config documents the risk).
	wcfg.CalendarAllowPrivate = c.CalendarAllowPrivate
	if err := c.webAuth(&wcfg, ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	if err := c.webProxies(&wcfg); err != nil {
		ln.Close()
		return err
	}
	srv := web.New(wcfg)
	bg, err := c.Messaging.start(svc, wcfg.PublicURL, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer bg.stop()
	defer startTrackerSync(svc, c.TrackerSync, log.With("component", "tracker-sync")).Stop()
	bg.bindReviewMailer(mailer, wcfg.PublicURL)
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Live pages hold their connection open: end their streams when the
	// server stops, so the browsers reconnect (to another instance, or to
	// this one when it is back) instead of holding the shutdown up.
	hs.RegisterOnShutdown(hub.Close)
	fmt.Fprintf(env.Stdout, "Debrief listening on http://%s\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "db", dbKind(c.DB), "version", version)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("the server stopped: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("requests still running after %s were cut off: %w", shutdownGrace, err)
	}
	<-served
	log.Info("stopped")
	return nil
}

// openError explains a failure to open the database in terms of the flag.
func openError(dsn string, err error) error {
	if debrief.ErrorCode(err) != debrief.EInternal {
		return errors.New(debrief.ErrorMessage(err))
	}
	hint := "check the server, the user name and the password in the URL"
	if dbKind(dsn) == "SQLite" {
		hint = "check that its directory exists and that Debrief may write there"
	}
	return fmt.Errorf("cannot open the %s database %s (set with --db or DEBRIEF_DB): %s; %s", dbKind(dsn), redactDSN(dsn), plainCause(err), hint)
}

// plainCause shortens a wrapped error for a person: it drops the package
// prefixes ("sqlstore: open …: ") that help in logs and puts a multi-line
// driver message on one line.
func plainCause(err error) string {
	s := err.Error()
	for {
		i := strings.Index(s, "sqlstore: ")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+len("sqlstore: "):], ": ")
		if j < 0 {
			s = s[:i] + s[i+len("sqlstore: "):]
			continue
		}
		s = s[:i] + s[i+len("sqlstore: ")+j+2:]
	}
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, ".")
}

// dbKind names the engine a --db value selects, for people.
func dbKind(dsn string) string {
	if sqlstore.EngineOf(dsn) == sqlstore.EnginePostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// redactDSN hides a password in a PostgreSQL URL so it never reaches logs.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":xxxxx" + dsn[at:]
	}
	return dsn
}

// MigrateCmd brings the schema up to date.
type MigrateCmd struct {
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run applies pending migrations and lists them.
func (c *MigrateCmd) Run(env *Env) error {
	applied, err := sqlstore.Migrate(env.Ctx, c.DB, c.logger(env.Stderr))
	if err != nil {
		return openError(c.DB, err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(env.Stdout, "The %s database %s is up to date.\n", dbKind(c.DB), redactDSN(c.DB))
		return nil
	}
	fmt.Fprintf(env.Stdout, "Applied %d migrations to the %s database %s:\n", len(applied), dbKind(c.DB), redactDSN(c.DB))
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "  %s\n", m)
	}
	return nil
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (c *VersionCmd) Run(env *Env) error {
	fmt.Fprintf(env.Stdout, "debrief %s\n", version)
	return nil
}

// checkPublicURL accepts an absolute http(s) URL without query or fragment.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url (DEBRIEF_PUBLIC_URL) must be an address like https://debrief.example.com, got %q", s)
	}
	return nil
}

// openLive returns the hub that carries live updates to open pages: through
// PostgreSQL's LISTEN/NOTIFY when several instances may share the database,
// within the process on SQLite.
func openLive(ctx context.Context, dsn string, log *slog.Logger) (*live.Hub, error) {
	if sqlstore.EngineOf(dsn) != sqlstore.EnginePostgres {
		return live.New(log), nil
	}
	hub, err := live.OpenPostgres(ctx, dsn, log)
	if err != nil {
		return nil, openError(dsn, err)
	}
	return hub, nil
}
