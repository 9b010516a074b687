package storetest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("ListsPagedInTheStore", testListsPagedInTheStore) }

// testListsPagedInTheStore: the lists once read whole (tokens,
// integrations, custom templates, ideas, teams, trackers, notification
// channels) are walked a page at a time, each
// page cut by the store, every record once and in the list's order, with
// more records than a page; and the Service's pages over them agree.
func testListsPagedInTheStore(t *testing.T, open Opener) {
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithPasswordHasher(FastHasher))
	ctx := ctxOf(t)
	sys := debrief.WithActor(ctx, debrief.SystemActor)
	as := accounts(t, s)
	const pageSize = 3

	walk := func(what string, page func(after string) ([]string, string)) []string {
		t.Helper()
		return walkPages(t, what, pageSize, page)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		checkPages(t, what, pageSize, got, want)
	}

	// Tokens: Ada's seven, newest first; Bo's one is not hers.
	ada, err := svc.CreateUser(sys, debrief.NewUser{Email: "ada@example.com", Role: debrief.RoleAdmin, Password: "correct horse battery staple"})
	must(t, err, "CreateUser")
	bo, err := svc.CreateUser(sys, debrief.NewUser{Email: "bo@example.com", Role: debrief.RoleViewer, Password: "correct horse battery staple"})
	must(t, err, "CreateUser")
	actx := debrief.WithActor(ctx, ada.Actor("session"))
	var wantTokens []string
	for i := 0; i < 7; i++ {
		now = now.Add(time.Minute)
		tok, _, err := svc.CreateToken(actx, debrief.NewAPIToken{Name: "ci-" + strconv.Itoa(i), Scope: debrief.ScopeRead})
		must(t, err, "CreateToken")
		wantTokens = append([]string{tok.Name}, wantTokens...)
	}
	_, _, err = svc.CreateToken(debrief.WithActor(ctx, bo.Actor("session")), debrief.NewAPIToken{Name: "bo-laptop", Scope: debrief.ScopeRead})
	must(t, err, "CreateToken(bo)")
	check("ListTokensAfter(ada)", walk("ListTokensAfter", func(after string) ([]string, string) {
		id, _ := strconv.ParseInt(after, 10, 64)
		list, err := as.ListTokensAfter(ctx, ada.ID, id, pageSize)
		must(t, err, "ListTokensAfter")
		var names []string
		for _, tok := range list {
			names = append(names, tok.Name)
		}
		if len(list) == 0 {
			return nil, ""
		}
		return names, strconv.FormatInt(list[len(list)-1].ID, 10)
	}), wantTokens)
	check("TokensPage(ada)", walk("TokensPage", func(after string) ([]string, string) {
		p, err := svc.TokensPage(actx, false, after, pageSize)
		must(t, err, "TokensPage")
		var names []string
		for _, tok := range p.Items {
			names = append(names, tok.Name)
		}
		return names, p.NextCursor
	}), wantTokens)
	all, err := svc.TokensPage(actx, true, "", debrief.MaxPageSize)
	must(t, err, "TokensPage(all)")
	if len(all.Items) != 8 || all.NextCursor != "" {
		t.Errorf("TokensPage(all) = %d tokens, next %q; want all 8 on one page", len(all.Items), all.NextCursor)
	}

	// Integrations: oldest first.
	var wantIntegrations []string
	for i := 0; i < 7; i++ {
		in, _, err := svc.CreateIntegration(actx, &debrief.Integration{Name: "grafana-" + strconv.Itoa(i), Kind: debrief.IntegrationGrafana}, nil)
		must(t, err, "CreateIntegration")
		wantIntegrations = append(wantIntegrations, in.Name)
	}
	check("IntegrationsPage", walk("IntegrationsPage", func(after string) ([]string, string) {
		p, err := svc.IntegrationsPage(actx, after, pageSize)
		must(t, err, "IntegrationsPage")
		var names []string
		for _, in := range p.Items {
			names = append(names, in.Name)
		}
		return names, p.NextCursor
	}), wantIntegrations)
	check("ListIntegrationsAfter", walk("ListIntegrationsAfter", func(after string) ([]string, string) {
		id, _ := strconv.ParseInt(after, 10, 64)
		list, err := s.ListIntegrationsAfter(ctx, id, pageSize)
		must(t, err, "ListIntegrationsAfter")
		var names []string
		for _, in := range list {
			names = append(names, in.Name)
		}
		if len(list) == 0 {
			return nil, ""
		}
		return names, strconv.FormatInt(list[len(list)-1].ID, 10)
	}), wantIntegrations)

	// Templates: the built-in ones, then custom ones by key (made out of
	// order; one deleted is not listed).
	var wantTemplates []string
	for _, tpl := range debrief.BuiltInTemplates() {
		wantTemplates = append(wantTemplates, tpl.Key)
	}
	for _, key := range []string{"zeta", "beta", "eta", "alpha", "delta", "gamma", "epsilon"} {
		_, err := svc.CreateTemplate(actx, sampleTemplate(key, "Template "+key))
		must(t, err, "CreateTemplate("+key+")")
	}
	must(t, svc.DeleteTemplate(actx, "delta", 1), "DeleteTemplate(delta)")
	wantTemplates = append(wantTemplates, "alpha", "beta", "epsilon", "eta", "gamma", "zeta")
	check("TemplatesPage", walk("TemplatesPage", func(after string) ([]string, string) {
		p, err := svc.TemplatesPage(actx, after, pageSize)
		must(t, err, "TemplatesPage")
		var keys []string
		for _, ct := range p.Items {
			keys = append(keys, ct.Key)
		}
		return keys, p.NextCursor
	}), wantTemplates)
	check("ListCustomTemplatesAfter", walk("ListCustomTemplatesAfter", func(after string) ([]string, string) {
		list, err := s.ListCustomTemplatesAfter(ctx, after, pageSize)
		must(t, err, "ListCustomTemplatesAfter")
		var keys []string
		for _, ct := range list {
			keys = append(keys, ct.Key)
		}
		if len(list) == 0 {
			return nil, ""
		}
		return keys, keys[len(keys)-1]
	}), wantTemplates[len(debrief.BuiltInTemplates()):])

	// Ideas: by how many postmortems raised them, then newest.
	var pms []*debrief.Postmortem
	for i := 0; i < 3; i++ {
		inc, err := svc.CreateIncident(actx, &debrief.Incident{Title: "Checkout API returned 500s for " + strconv.Itoa(i+2) + " minutes"})
		must(t, err, "CreateIncident")
		pm, err := svc.CreatePostmortem(actx, debrief.NewPostmortem{IncidentID: &inc.ID})
		must(t, err, "CreatePostmortem")
		pms = append(pms, pm)
	}
	// mentions[i] is how many postmortems raise idea i.
	mentions := []int{1, 3, 1, 2, 1, 3, 1}
	titles := []string{"Canary every config change", "Page on checkout errors", "Keep runbooks next to alerts",
		"Rehearse database failover", "Pin the payment SDK version", "Load test before launches", "Alert on certificate expiry"}
	for i, n := range mentions {
		idea, err := svc.RaiseIdea(actx, pms[0].ID, debrief.NewIdea{Title: titles[i]})
		must(t, err, "RaiseIdea")
		for _, pm := range pms[1:n] {
			idea, err = svc.AddIdeaMention(actx, idea.ID, pm.ID, "Again.", idea.Version)
			must(t, err, "AddIdeaMention")
		}
	}
	wantIdeas := []string{titles[5], titles[1], titles[3], titles[6], titles[4], titles[2], titles[0]}
	check("IdeasPage", walk("IdeasPage", func(after string) ([]string, string) {
		p, err := svc.IdeasPage(actx, debrief.IdeaFilter{}, after, pageSize)
		must(t, err, "IdeasPage")
		var out []string
		for _, idea := range p.Items {
			out = append(out, idea.Title)
		}
		return out, p.NextCursor
	}), wantIdeas)
	check("ListIdeasAfter", walk("ListIdeasAfter", func(after string) ([]string, string) {
		var weight int
		var id int64
		if after != "" {
			fmt.Sscanf(after, "%d_%d", &weight, &id)
		}
		list, err := s.ListIdeasAfter(ctx, debrief.IdeaFilter{}, weight, id, pageSize)
		must(t, err, "ListIdeasAfter")
		var out []string
		for _, idea := range list {
			out = append(out, idea.Title)
			if len(idea.Mentions) == 0 {
				t.Errorf("ListIdeasAfter returned %q without its mentions", idea.Title)
			}
		}
		if len(list) == 0 {
			return nil, ""
		}
		last := list[len(list)-1]
		return out, fmt.Sprintf("%d_%d", len(last.Mentions), last.ID)
	}), wantIdeas)
	// Teams: by name (made out of order), each with its own services and
	// no other team's, the services read with the page.
	var wantTeams []string
	for _, name := range []string{"zeta", "beta", "eta", "alpha", "delta", "gamma", "epsilon"} {
		_, err := svc.CreateTeam(actx, &debrief.Team{Name: name, Members: []string{name + "@example.com"}, Services: []string{name + "-web", name + "-api"}})
		must(t, err, "CreateTeam("+name+")")
	}
	for _, name := range []string{"alpha", "beta", "delta", "epsilon", "eta", "gamma", "zeta"} {
		wantTeams = append(wantTeams, name+" "+name+"-api,"+name+"-web")
	}
	teamRows := func(list []*debrief.Team) []string {
		var out []string
		for _, tm := range list {
			out = append(out, tm.Name+" "+strings.Join(tm.Services, ","))
		}
		return out
	}
	check("ListTeamsAfter", walk("ListTeamsAfter", func(after string) ([]string, string) {
		list, err := s.ListTeamsAfter(ctx, after, pageSize)
		must(t, err, "ListTeamsAfter")
		if len(list) == 0 {
			return nil, ""
		}
		return teamRows(list), list[len(list)-1].Name
	}), wantTeams)
	check("TeamsPage", walk("TeamsPage", func(after string) ([]string, string) {
		p, err := svc.TeamsPage(actx, after, pageSize)
		must(t, err, "TeamsPage")
		return teamRows(p.Items), p.NextCursor
	}), wantTeams)
	whole, err := svc.ListTeams(actx)
	must(t, err, "ListTeams")
	check("ListTeams", teamRows(whole), wantTeams)

	// Trackers: by name (made out of order); the store's pages hold the
	// tokens, the Service's never do.
	var wantTrackers []string
	for _, name := range []string{"zeta", "beta", "eta", "alpha", "delta", "gamma", "epsilon"} {
		_, err := svc.CreateTracker(actx, &debrief.Tracker{Name: name, Kind: debrief.TrackerGitHub, Project: "acme/" + name, Token: "token-" + name})
		must(t, err, "CreateTracker("+name+")")
	}
	wantTrackers = []string{"alpha", "beta", "delta", "epsilon", "eta", "gamma", "zeta"}
	check("ListTrackersAfter", walk("ListTrackersAfter", func(after string) ([]string, string) {
		list, err := s.ListTrackersAfter(ctx, after, pageSize)
		must(t, err, "ListTrackersAfter")
		var names []string
		for _, tr := range list {
			names = append(names, tr.Name)
			if tr.Token != "token-"+tr.Name {
				t.Errorf("ListTrackersAfter gave %s with the token %q; want its own", tr.Name, tr.Token)
			}
		}
		if len(list) == 0 {
			return nil, ""
		}
		return names, list[len(list)-1].Name
	}), wantTrackers)
	check("TrackersPage", walk("TrackersPage", func(after string) ([]string, string) {
		p, err := svc.TrackersPage(actx, after, pageSize)
		must(t, err, "TrackersPage")
		var names []string
		for _, tr := range p.Items {
			names = append(names, tr.Name)
			if tr.Token != "" || !tr.HasToken {
				t.Errorf("TrackersPage gave %s with token %q, has_token %v; want no token and has_token", tr.Name, tr.Token, tr.HasToken)
			}
		}
		return names, p.NextCursor
	}), wantTrackers)

	// Notification channels: oldest first.
	var wantChannels []string
	for i := 0; i < 7; i++ {
		c := &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "incidents-" + strconv.Itoa(6-i), Target: "https://hooks.slack.example/T" + strconv.Itoa(i)}
		must(t, svc.CreateNotificationChannel(actx, c), "CreateNotificationChannel")
		wantChannels = append(wantChannels, c.Name)
	}
	channelNames := func(list []*debrief.NotificationChannel) []string {
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		return names
	}
	check("ListNotificationChannelsAfter", walk("ListNotificationChannelsAfter", func(after string) ([]string, string) {
		id, _ := strconv.ParseInt(after, 10, 64)
		list, err := s.ListNotificationChannelsAfter(ctx, id, pageSize)
		must(t, err, "ListNotificationChannelsAfter")
		if len(list) == 0 {
			return nil, ""
		}
		return channelNames(list), strconv.FormatInt(list[len(list)-1].ID, 10)
	}), wantChannels)
	check("NotificationChannelsPage", walk("NotificationChannelsPage", func(after string) ([]string, string) {
		p, err := svc.NotificationChannelsPage(actx, after, pageSize)
		must(t, err, "NotificationChannelsPage")
		return channelNames(p.Items), p.NextCursor
	}), wantChannels)
	_, err = svc.NotificationChannelsPage(debrief.WithActor(ctx, bo.Actor("session")), "", pageSize)
	wantCode(t, err, debrief.EForbidden, "NotificationChannelsPage(viewer)")

	for _, c := range []struct {
		what string
		page func(after string) error
		bad  []string
	}{
		{"TeamsPage", func(after string) error { _, err := svc.TeamsPage(actx, after, pageSize); return err }, []string{"Not A Team", strings.Repeat("x", 70)}},
		{"TrackersPage", func(after string) error { _, err := svc.TrackersPage(actx, after, pageSize); return err }, []string{"bad\x00cursor", "\xff", strings.Repeat("x", debrief.MaxTitleLen+1)}},
		{"NotificationChannelsPage", func(after string) error { _, err := svc.NotificationChannelsPage(actx, after, pageSize); return err }, []string{"x", "-3"}},
	} {
		for _, bad := range c.bad {
			wantCode(t, c.page(bad), debrief.EInvalid, fmt.Sprintf("%s(after %.20q)", c.what, bad))
			if f := debrief.ErrorField(c.page(bad)); f != "after" {
				t.Errorf("%s(after %.20q) names the field %q; want after", c.what, bad, f)
			}
		}
	}
	_, err = svc.IdeasPage(actx, debrief.IdeaFilter{}, "not-a-cursor", pageSize)
	wantCode(t, err, debrief.EInvalid, "IdeasPage(bad cursor)")
	_, err = svc.TokensPage(actx, false, "x", pageSize)
	wantCode(t, err, debrief.EInvalid, "TokensPage(bad cursor)")
}

// walkPages follows a list a page of pageSize at a time and returns what it
// saw; page returns one page's records and the cursor after its last one.
// A page that is not full, or has no cursor, is the last.
func walkPages(t *testing.T, what string, pageSize int, page func(after string) ([]string, string)) []string {
	t.Helper()
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("%s: more than 20 pages of %d", what, pageSize)
		}
		list, next := page(after)
		if len(list) > pageSize {
			t.Fatalf("%s(after %q, limit %d) = %d records", what, after, pageSize, len(list))
		}
		got = append(got, list...)
		if len(list) < pageSize || next == "" {
			return got
		}
		after = next
	}
}

// checkPages reports a walk of pages that did not see want, in its order.
func checkPages(t *testing.T, what string, pageSize int, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s in pages of %d = %v; want %v", what, pageSize, got, want)
	}
}

func init() { Register("ListsPagedPerRecord", testListsPagedPerRecord) }

// testListsPagedPerRecord: the lists that belong to one record and were
// once read whole (a template's versions, a postmortem's public links, an
// incident's or postmortem's attachments) are walked a page at a time, in
// the store and through the Service, every record once and in the list's
// order, with more records than a page and a neighbour's records left out;
// a bad cursor is EInvalid naming after, and a private record's lists stay
// ENotFound to a non-member.
func testListsPagedPerRecord(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	ctx := ctxOf(t)
	admin := debrief.WithActor(ctx, debrief.Actor{Email: "ada@example.com", Role: debrief.RoleAdmin})
	outsider := debrief.WithActor(ctx, debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder})
	const pageSize = 3
	// storeCursor is the cursor a store page leaves: its last record's.
	storeCursor := func(n int, last func() string) string {
		if n < pageSize {
			return ""
		}
		return last()
	}

	// A template's versions: seven, newest first; another template's are
	// not among them.
	_, err := svc.CreateTemplate(admin, sampleTemplate("runbook", "Runbook v1"))
	must(t, err, "CreateTemplate(runbook)")
	_, err = svc.CreateTemplate(admin, sampleTemplate("billing", "Billing"))
	must(t, err, "CreateTemplate(billing)")
	wantVersions := []string{"1"}
	for v := 2; v <= 7; v++ {
		_, err := svc.UpdateTemplate(admin, "runbook", sampleTemplate("runbook", "Runbook v"+strconv.Itoa(v)), v-1)
		must(t, err, "UpdateTemplate(runbook)")
		wantVersions = append([]string{strconv.Itoa(v)}, wantVersions...)
	}
	checkPages(t, "TemplateVersionsPage(runbook)", pageSize, walkPages(t, "TemplateVersionsPage", pageSize, func(after string) ([]string, string) {
		p, err := svc.TemplateVersionsPage(admin, "runbook", after, pageSize)
		must(t, err, "TemplateVersionsPage")
		var out []string
		for _, ct := range p.Items {
			out = append(out, strconv.Itoa(ct.Version))
			if ct.Name != "Runbook v"+strconv.Itoa(ct.Version) {
				t.Errorf("TemplateVersionsPage gave version %d named %q", ct.Version, ct.Name)
			}
		}
		return out, p.NextCursor
	}), wantVersions)
	checkPages(t, "ListTemplateVersionsAfter(runbook)", pageSize, walkPages(t, "ListTemplateVersionsAfter", pageSize, func(after string) ([]string, string) {
		v, _ := strconv.Atoi(after)
		list, err := s.ListTemplateVersionsAfter(ctx, "runbook", v, pageSize)
		must(t, err, "ListTemplateVersionsAfter")
		var out []string
		for _, ct := range list {
			out = append(out, strconv.Itoa(ct.Version))
		}
		return out, storeCursor(len(list), func() string { return out[len(out)-1] })
	}), wantVersions)
	builtIn := debrief.BuiltInTemplates()[0].Key
	if p, err := svc.TemplateVersionsPage(admin, builtIn, "", pageSize); err != nil || len(p.Items) != 1 || p.NextCursor != "" {
		t.Errorf("TemplateVersionsPage(%s) = %d versions, next %q, %v; want its one version", builtIn, len(p.Items), p.NextCursor, err)
	} else if past, err := svc.TemplateVersionsPage(admin, builtIn, strconv.Itoa(p.Items[0].Version), pageSize); err != nil || len(past.Items) != 0 {
		t.Errorf("TemplateVersionsPage(%s, after its version) = %d versions, %v; want none", builtIn, len(past.Items), err)
	}
	_, err = svc.TemplateVersionsPage(admin, "no-such-template", "", pageSize)
	wantCode(t, err, debrief.ENotFound, "TemplateVersionsPage(no-such-template)")
	for _, bad := range []string{"latest", "-1", "99999999999"} {
		_, err = svc.TemplateVersionsPage(admin, "runbook", bad, pageSize)
		wantCode(t, err, debrief.EInvalid, "TemplateVersionsPage(after "+bad+")")
		if f := debrief.ErrorField(err); f != "after" {
			t.Errorf("TemplateVersionsPage(after %s) names field %q; want after", bad, f)
		}
	}

	// A postmortem's public links: seven, newest first; its neighbour's
	// one is not among them.
	inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Checkout API returned 500s for 12 minutes"})
	must(t, err, "CreateIncident")
	pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc.ID})
	must(t, err, "CreatePostmortem")
	other, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Search returned stale results for 3 hours"})
	must(t, err, "CreateIncident(other)")
	otherPM, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &other.ID})
	must(t, err, "CreatePostmortem(other)")
	var wantLinks []string
	for i := 0; i < 7; i++ {
		l, _, err := svc.CreatePublicLink(admin, pm.ID)
		must(t, err, "CreatePublicLink")
		wantLinks = append([]string{strconv.FormatInt(l.ID, 10)}, wantLinks...)
		if i == 3 {
			_, _, err := svc.CreatePublicLink(admin, otherPM.ID)
			must(t, err, "CreatePublicLink(other)")
		}
	}
	checkPages(t, "PublicLinksPage", pageSize, walkPages(t, "PublicLinksPage", pageSize, func(after string) ([]string, string) {
		p, err := svc.PublicLinksPage(admin, pm.ID, after, pageSize)
		must(t, err, "PublicLinksPage")
		var out []string
		for _, l := range p.Items {
			out = append(out, strconv.FormatInt(l.ID, 10))
		}
		return out, p.NextCursor
	}), wantLinks)
	checkPages(t, "ListPublicLinksAfter", pageSize, walkPages(t, "ListPublicLinksAfter", pageSize, func(after string) ([]string, string) {
		id, _ := strconv.ParseInt(after, 10, 64)
		list, err := s.ListPublicLinksAfter(ctx, pm.ID, id, pageSize)
		must(t, err, "ListPublicLinksAfter")
		var out []string
		for _, l := range list {
			out = append(out, strconv.FormatInt(l.ID, 10))
		}
		return out, storeCursor(len(list), func() string { return out[len(out)-1] })
	}), wantLinks)
	_, err = svc.PublicLinksPage(admin, pm.ID, "not-a-cursor", pageSize)
	wantCode(t, err, debrief.EInvalid, "PublicLinksPage(bad cursor)")

	// Attachments: seven on the postmortem and seven on the incident, made
	// in turn, each list oldest first and without bytes.
	var wantPM, wantInc []string
	for i := 0; i < 7; i++ {
		a, err := svc.AddAttachment(admin, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: fmt.Sprintf("pm-%d.txt", i), Data: []byte("log line " + strconv.Itoa(i))})
		must(t, err, "AddAttachment(postmortem)")
		wantPM = append(wantPM, a.Filename)
		a, err = svc.AddAttachment(admin, debrief.NewAttachment{IncidentID: &inc.ID, Filename: fmt.Sprintf("inc-%d.png", i), Data: pngBytes(100, byte(i))})
		must(t, err, "AddAttachment(incident)")
		wantInc = append(wantInc, a.Filename)
	}
	for _, c := range []struct {
		name string
		f    debrief.AttachmentFilter
		want []string
	}{
		{"postmortem", debrief.AttachmentFilter{PostmortemID: &pm.ID}, wantPM},
		{"incident", debrief.AttachmentFilter{IncidentID: &inc.ID}, wantInc},
	} {
		checkPages(t, "AttachmentsPage("+c.name+")", pageSize, walkPages(t, "AttachmentsPage", pageSize, func(after string) ([]string, string) {
			p, err := svc.AttachmentsPage(admin, c.f, after, pageSize)
			must(t, err, "AttachmentsPage("+c.name+")")
			var out []string
			for _, a := range p.Items {
				out = append(out, a.Filename)
			}
			return out, p.NextCursor
		}), c.want)
		checkPages(t, "ListAttachmentsAfter("+c.name+")", pageSize, walkPages(t, "ListAttachmentsAfter", pageSize, func(after string) ([]string, string) {
			id, _ := strconv.ParseInt(after, 10, 64)
			list, err := s.ListAttachmentsAfter(ctx, c.f, id, pageSize)
			must(t, err, "ListAttachmentsAfter("+c.name+")")
			var out []string
			for _, a := range list {
				out = append(out, a.Filename)
				if a.Data != nil {
					t.Errorf("ListAttachmentsAfter(%s) returned %s with its %d bytes; want none", c.name, a.Filename, len(a.Data))
				}
			}
			return out, storeCursor(len(list), func() string { return strconv.FormatInt(list[len(list)-1].ID, 10) })
		}), c.want)
	}
	_, err = svc.AttachmentsPage(admin, debrief.AttachmentFilter{PostmortemID: &pm.ID}, "0", pageSize)
	wantCode(t, err, debrief.EInvalid, "AttachmentsPage(after 0)")
	_, err = svc.AttachmentsPage(admin, debrief.AttachmentFilter{}, "", pageSize)
	wantCode(t, err, debrief.EInvalid, "AttachmentsPage(no record)")

	// A private incident's lists, and its postmortem's, are ENotFound to a
	// non-member, cursor or not.
	priv, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Credential leak", Private: true})
	must(t, err, "CreateIncident(private)")
	privPM, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &priv.ID})
	must(t, err, "CreatePostmortem(private)")
	_, _, err = svc.CreatePublicLink(admin, privPM.ID)
	must(t, err, "CreatePublicLink(private)")
	for _, after := range []string{"", "1", "bogus"} {
		_, err = svc.PublicLinksPage(outsider, privPM.ID, after, pageSize)
		wantCode(t, err, debrief.ENotFound, "PublicLinksPage(private, by a non-member, after "+after+")")
		_, err = svc.AttachmentsPage(outsider, debrief.AttachmentFilter{IncidentID: &priv.ID}, after, pageSize)
		wantCode(t, err, debrief.ENotFound, "AttachmentsPage(private incident, by a non-member, after "+after+")")
		_, err = svc.AttachmentsPage(outsider, debrief.AttachmentFilter{PostmortemID: &privPM.ID}, after, pageSize)
		wantCode(t, err, debrief.ENotFound, "AttachmentsPage(private postmortem, by a non-member, after "+after+")")
	}
	if p, err := svc.PublicLinksPage(admin, privPM.ID, "", pageSize); err != nil || len(p.Items) != 1 {
		t.Errorf("PublicLinksPage(private) by its maker = %d links, %v; want its one link", len(p.Items), err)
	}
}
