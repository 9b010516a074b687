package quality

import "strings"

// The built-in word lists. Each flagged phrase carries the neutral wording to
// use instead, because a reviewer who only says "don't" is no help.

type phraseDef struct{ text, suggestion string }

var defaultHumanError = []phraseDef{
	{"human error", "Name the condition that let one action cause harm, e.g. 'the deploy tool applied the change to every region at once without a canary'."},
	{"operator error", "Describe what the tooling allowed, e.g. 'the CLI accepted a production target without confirmation'."},
	{"pilot error", "Describe what the system allowed rather than who acted."},
	{"human mistake", "Describe what the system allowed rather than who acted."},
	{"people problem", "Describe the process or tool gap that made the mistake possible."},
}

var defaultCounterfactual = []phraseDef{
	{"should have", "Say what happened and what will help next time: 'the alert did not fire because…; we will add…'."},
	{"should've", "Say what happened and what will help next time."},
	{"shouldn't have", "Describe the action and the conditions that made it reasonable at the time."},
	{"should not have", "Describe the action and the conditions that made it reasonable at the time."},
	{"could have prevented", "Say which safeguard was missing: 'no check stopped…'."},
	{"could have avoided", "Say which safeguard was missing: 'no check stopped…'."},
	{"ought to have", "Say what happened and what will help next time."},
	{"if only", "Describe what was known at the time and what was not."},
}

var defaultBlame = []phraseDef{
	{"careless", "Describe the action and what made it easy to get wrong."},
	{"carelessly", "Describe the action and what made it easy to get wrong."},
	{"carelessness", "Describe the action and what made it easy to get wrong."},
	{"stupid", "Describe the decision and the information available when it was made."},
	{"dumb", "Describe the decision and the information available when it was made."},
	{"idiot", "Leave judgements of people out; describe the action."},
	{"idiotic", "Leave judgements of people out; describe the action."},
	{"foolish", "Describe the decision and the information available when it was made."},
	{"sloppy", "Say which check or review step was missing."},
	{"lazy", "Say which check or review step was missing."},
	{"negligent", "Say which safeguard was missing."},
	{"negligence", "Say which safeguard was missing."},
	{"incompetent", "Leave judgements of people out; describe the gap in training, tooling or process."},
	{"incompetence", "Leave judgements of people out; describe the gap in training, tooling or process."},
	{"reckless", "Describe the action and the pressure or incentive behind it."},
	{"obviously", "Remove it: what is obvious afterwards was not obvious at the time."},
	{"obvious mistake", "Describe the action and why it looked right at the time."},
	{"rookie mistake", "Describe the gap in onboarding or tooling."},
	{"to blame", "Postmortems look for causes, not culprits: describe conditions and actions."},
	{"fault of", "Describe the conditions and actions rather than whose fault it was."},
	{"at fault", "Describe the conditions and actions rather than who is at fault."},
	{"dropped the ball", "Say which step did not happen and why the process let it be skipped."},
	{"didn't bother", "Say which step did not happen and what made it easy to skip."},
	{"did not bother", "Say which step did not happen and what made it easy to skip."},
}

var defaultAnimated = []phraseDef{
	{"disaster", "Give the size instead: 'a 42-minute outage of checkout for all customers'."},
	{"disastrous", "Give the size instead: duration and who was affected."},
	{"catastrophe", "Give the size instead: duration and who was affected."},
	{"catastrophic", "Give the size instead: duration and who was affected."},
	{"nightmare", "Describe what made it hard, e.g. 'recovery took four manual steps'."},
	{"fiasco", "Describe what happened, with numbers."},
	{"meltdown", "Say what failed: 'the database stopped accepting connections'."},
	{"train wreck", "Describe what happened, with numbers."},
	{"blew up", "Say what failed: 'crashed', 'returned errors', 'ran out of memory'."},
	{"exploded", "Say what grew and by how much: 'error rate rose from 0.1% to 38%'."},
	{"screwed up", "Describe the change and its effect."},
	{"messed up", "Describe the change and its effect."},
	{"freaked out", "Describe the response: who was paged and what they did."},
	{"chaotic", "Describe what made coordination hard."},
	{"insane", "Give the number instead."},
	{"crazy", "Give the number instead."},
	{"horrible", "Give the size instead: duration and who was affected."},
	{"terrible", "Give the size instead: duration and who was affected."},
	{"awful", "Give the size instead: duration and who was affected."},
	{"epic fail", "Describe what failed, with numbers."},
	{"all hell broke loose", "Describe what failed, in order, with times."},
}

var defaultVagueTitles = []string{
	"outage", "outages", "incident", "incidents", "issue", "issues", "problem", "problems", "postmortem", "post", "mortem",
	"report", "review", "failure", "error", "errors", "bug", "downtime", "degradation", "disruption",
	"production", "prod", "site", "system", "systems", "service", "services", "down", "major", "minor", "big", "small",
	"the", "a", "an", "of", "on", "in", "our", "we", "today", "yesterday", "weekend", "and", "with", "for", "to",
	"sev1", "sev2", "sev3", "sev4", "sev", "p1", "p2", "p3", "p4", "critical", "urgent", "unexpected", "some", "recent",
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}

var defaultVagueVerbs = []string{
	"improve", "look into", "make better", "consider", "think about", "try to", "try and", "explore", "revisit",
	"discuss", "be more careful", "be careful", "pay more attention", "ensure", "make sure", "work on", "address",
	"handle", "deal with", "follow up", "follow up on", "check on", "keep an eye on", "monitor better", "optimize", "optimise",
	"fix issues", "clean up", "tbd", "figure out", "find out", "see if", "check if", "check whether",
}

var defaultActionVerbs = []string{
	"add", "adjust", "alert", "align", "allow", "analyse", "analyze", "announce", "apply", "archive", "assign", "audit", "automate",
	"backfill", "block", "build", "bump", "cache", "cap", "change", "clarify", "close", "collect", "configure", "consolidate",
	"convert", "create", "decommission", "define", "delete", "deploy", "deprecate", "design", "detect", "disable", "document",
	"downgrade", "drop", "enable", "encrypt", "enforce", "establish", "estimate", "evaluate", "expand", "expose", "extend", "extract",
	"fix", "flag", "freeze", "gate", "grant", "harden", "hire", "implement", "increase", "instrument", "integrate", "introduce",
	"investigate", "isolate", "label", "launch", "limit", "lint", "load", "lock", "log", "lower", "measure", "merge", "migrate", "mirror", "modify",
	"move", "notify", "page", "patch", "pin", "plug", "prevent", "profile", "protect", "provision", "publish", "purge", "raise",
	"rate-limit", "rebuild", "record", "reduce", "refactor", "reject", "release", "remove", "rename", "replace", "replicate",
	"report", "require", "reserve", "reset", "resize", "restrict", "retire", "return", "rewrite", "roll", "rotate", "route", "run",
	"scale", "schedule", "script", "secure", "separate", "set", "setup", "shard", "ship", "shorten", "simplify", "split", "stage", "standardise",
	"standardize", "start", "stop", "store", "streamline", "switch", "tag", "teach", "test", "throttle", "track", "train", "trigger",
	"tune", "turn", "unify", "update", "upgrade", "use", "validate", "verify", "version", "write",
	// More verbs action items start with; a title starting with none of
	// these is flagged, so the list errs on the side of being long.
	"resolve", "warm", "lengthen", "tighten", "widen", "broaden", "loosen", "deepen", "sharpen", "soften", "reconfigure", "reimplement", "retain",
	"rerun", "reword", "reorganize", "reorganise", "parameterize", "parameterise", "sunset", "re-enable", "reenable", "replay",
	"recreate", "sanitize", "sanitise", "reconcile", "rework", "speed", "slow", "contain", "postpone", "resume", "unsubscribe", "subdivide",
	"accept", "account", "acknowledge", "activate", "adopt", "alarm", "allocate", "annotate", "arrange", "ask", "attach", "authenticate",
	"authorise", "authorize", "avoid", "back", "backport", "balance", "batch", "benchmark", "bound", "break", "bring", "buffer",
	"calibrate", "call", "canary", "capture", "centralise", "centralize", "check", "clean", "clear", "clone", "codify", "combine",
	"communicate", "compare", "compress", "confirm", "connect", "contact", "containerise", "containerize", "copy", "correct",
	"cover", "cut", "debounce", "decouple", "decrease", "dedupe", "deduplicate", "delay", "delegate", "demo", "dedicate", "deliver",
	"deny", "detach", "develop", "diagnose", "disconnect", "distribute", "draft", "drain", "drill", "duplicate", "edit", "educate",
	"email", "embed", "emit", "enroll", "enrol", "ensure", "escalate", "exercise", "expire", "explain", "export", "failover", "fence",
	"fetch", "file", "fill", "filter", "finish", "fork", "forward", "gather", "generate", "give", "handle", "hide", "hold", "host",
	"identify", "import", "index", "inform", "inject", "inspect", "install", "invalidate", "invite", "join", "keep", "kill", "link",
	"list", "load-test", "localise", "localize", "make", "manage", "map", "mark", "mask", "meet", "memoize", "mention", "message",
	"monitor", "mount", "mute", "name", "normalise", "normalize", "note", "obtain", "offload", "onboard", "open", "optimise",
	"optimize", "order", "own", "pair", "parallelise", "parallelize", "parse", "partition", "pause", "persist", "pilot", "plan",
	"poll", "port", "post", "practice", "practise", "pre-warm", "precompute", "prefetch", "prepare", "present", "preserve",
	"prioritise", "prioritize", "probe", "promote", "propagate", "propose", "prototype", "prune", "pull", "push", "put", "quarantine",
	"query", "queue", "read", "reassign", "rebalance", "reboot", "recover", "redeploy", "redesign", "redirect", "redo", "refresh",
	"register", "reindex", "reload", "relocate", "repair", "repeat", "rephrase", "reproduce", "request", "research", "resolve",
	"restart", "restore", "restructure", "retry", "revert", "review", "revise", "revoke", "save", "scan", "scope", "seed", "select",
	"send", "serve", "share", "show", "shut", "sign", "simulate", "size", "skip", "snapshot", "sort", "specify", "spread",
	"stabilise", "stabilize", "staff", "stream", "strengthen", "submit", "subscribe", "summarise", "summarize", "supervise",
	"support", "surface", "suspend", "swap", "sync", "synchronise", "synchronize", "take", "template", "terminate", "time",
	"timeout", "transfer", "translate", "trim", "try", "uninstall", "unlock", "unpin", "upload", "version-control", "vet", "visualise",
	"visualize", "wait", "warm", "watch", "whitelist", "allowlist", "wire", "wrap",
}

// defaultAllow are phrases that contain a flagged word in a sense that
// judges nobody: "lazy loading" is a technique, and "we should have a
// talk" looks ahead where "should have tested" looks back.
var defaultAllow = []phraseDef{
	{"lazy load", ""}, {"lazy loaded", ""}, {"lazy loading", ""}, {"lazy loads", ""}, {"lazy-loaded", ""}, {"lazy-loading", ""},
	{"lazy evaluation", ""}, {"lazy initialization", ""}, {"lazy initialisation", ""}, {"lazy init", ""},
	{"should have a", ""}, {"should have an", ""}, {"should have the", ""}, {"should have clear", ""}, {"should have its", ""},
	{"should have their", ""}, {"should have our", ""}, {"should have more", ""}, {"should have no", ""}, {"should have access", ""},
	{"disaster recovery", ""}, {"disaster-recovery", ""},
	{"should have in", ""}, {"should have some", ""}, {"should have any", ""}, {"should have at", ""},
}

// defaultFailureVerbs make the person before them the subject of a failure.
var defaultFailureVerbs = []string{
	"forgot", "forgets", "failed", "fails", "missed", "misses", "broke", "breaks", "ignored", "ignores", "neglected", "overlooked",
	"didn't", "didnt", "mistakenly", "accidentally", "wrongly", "incorrectly", "caused", "causes", "botched", "screwed", "messed",
	"skipped", "misconfigured", "misread", "mistyped", "fat-fingered", "fumbled", "blundered",
}

// humanOnlyVerbs are failures only people commit, so any capitalised word
// before them is taken for a name even when the record does not list it.
var humanOnlyVerbs = map[string]bool{
	"forgot": true, "forgets": true, "neglected": true, "overlooked": true, "botched": true, "screwed": true,
	"messed": true, "mistyped": true, "misread": true, "fat-fingered": true, "blundered": true, "fumbled": true, "panicked": true,
}

// pronounSubjects are pronouns that name one person as a subject. "We" and
// "they" are left alone: shared ownership is what blameless writing asks for.
var pronounSubjects = map[string]bool{"he": true, "she": true}

// lexicon is the compiled word lists.
type lexicon struct {
	humanError, counterfactual, blame, animated *phraseSet
	vagueTitles                                 map[string]bool
	vagueVerbs                                  [][]string
	actionVerbs                                 map[string]bool
	failureVerbs                                map[string]bool
	names                                       map[string]bool
	allow                                       *phraseSet
}

// phraseSet finds phrases (sequences of words) in tokenised text.
type phraseSet struct {
	byFirst map[string][]phrase
}

type phrase struct {
	words      []string
	text       string
	suggestion string
}

func newPhraseSet(defs []phraseDef, extra []string, extraSuggestion string) *phraseSet {
	ps := &phraseSet{byFirst: map[string][]phrase{}}
	add := func(text, sug string) {
		words := tokenWords(text)
		if len(words) == 0 {
			return
		}
		ps.byFirst[words[0]] = append(ps.byFirst[words[0]], phrase{words: words, text: strings.Join(words, " "), suggestion: sug})
	}
	for _, d := range defs {
		add(d.text, d.suggestion)
	}
	for _, e := range extra {
		add(e, extraSuggestion)
	}
	return ps
}

// match returns the longest phrase that starts at toks[i], or nil.
func (ps *phraseSet) match(toks []token, i int) *phrase {
	var best *phrase
	cands := ps.byFirst[toks[i].word]
	for k := range cands {
		p := &cands[k]
		if i+len(p.words) > len(toks) {
			continue
		}
		ok := true
		for j := 1; j < len(p.words); j++ {
			if toks[i+j].word != p.words[j] {
				ok = false
				break
			}
		}
		if ok && (best == nil || len(p.words) > len(best.words)) {
			best = p
		}
	}
	return best
}

func buildLexicon(c *Config) *lexicon {
	w := c.Words
	l := &lexicon{
		humanError:     newPhraseSet(defaultHumanError, w.HumanError, "Name the condition that let one action cause harm."),
		counterfactual: newPhraseSet(defaultCounterfactual, w.Counterfactual, "Say what happened and what will help next time."),
		blame:          newPhraseSet(defaultBlame, w.Blame, "Describe the action and the conditions around it, not the person."),
		animated:       newPhraseSet(defaultAnimated, w.Animated, "Describe what happened plainly, with numbers."),
		allow:          newPhraseSet(defaultAllow, w.Allow, ""),
		vagueTitles:    set(defaultVagueTitles, w.VagueTitles),
		actionVerbs:    set(defaultActionVerbs, w.ActionVerbs),
		failureVerbs:   set(defaultFailureVerbs, w.FailureVerbs),
		names:          map[string]bool{},
	}
	for _, v := range append(append([]string(nil), defaultVagueVerbs...), w.VagueVerbs...) {
		if words := tokenWords(v); len(words) > 0 {
			l.vagueVerbs = append(l.vagueVerbs, words)
		}
	}
	for _, n := range w.Names {
		addName(l.names, n)
	}
	return l
}

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, list := range lists {
		for _, s := range list {
			for _, w := range tokenWords(s) {
				m[w] = true
			}
		}
	}
	return m
}

// addName adds each word of a person's name (first and last names are each
// enough to point at someone), skipping words too short or too common to be
// names, and the local part of an email address.
func addName(m map[string]bool, name string) {
	name = strings.TrimSpace(name)
	if at := strings.IndexByte(name, '@'); at > 0 {
		name = name[:at]
		name = strings.NewReplacer(".", " ", "_", " ", "-", " ").Replace(name)
	}
	for _, w := range tokenWords(name) {
		if len(w) < 3 || notNames[w] {
			continue
		}
		m[w] = true
	}
}

// notNames are words that appear in owner fields ("SRE team", "on-call")
// but are not people.
var notNames = map[string]bool{
	"team": true, "the": true, "and": true, "oncall": true, "call": true, "sre": true, "ops": true, "devops": true, "platform": true,
	"system": true, "admin": true, "bot": true, "infra": true, "infrastructure": true, "engineering": true, "support": true,
	"security": true, "backend": true, "frontend": true, "data": true, "web": true, "api": true, "unassigned": true, "tbd": true,
	"none": true, "owner": true, "everyone": true, "all": true, "product": true, "eng": true, "squad": true, "group": true,
}
