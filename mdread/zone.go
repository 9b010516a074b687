package mdread

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// zoneAbbreviations maps the zone abbreviations people write in
// postmortems to a location. This is the one table every reader uses.
// Two abbreviations are ambiguous; each is read in the meaning the IANA
// time zone database gives it for the zone most people write it for:
// IST is India Standard Time (Asia/Kolkata, UTC+05:30), not Irish or
// Israel Standard Time; CST is North American Central Standard Time
// (America/Chicago), not China Standard Time. A team in Dublin, Tel Aviv or
// Shanghai writes the IANA name (Europe/Dublin) or an offset (UTC+8),
// which are read exactly.
var zoneAbbreviations = map[string]string{
	"UTC": "UTC", "GMT": "UTC", "Z": "UTC",
	"CET": "CET", "CEST": "CET", "MET": "MET", "MEST": "MET", "EET": "EET", "EEST": "EET", "WET": "WET", "WEST": "WET",
	"BST": "Europe/London", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "SGT": "Asia/Singapore",
	"AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
	"EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
	"CST": "America/Chicago", "CDT": "America/Chicago", "CT": "America/Chicago",
	"MST": "America/Denver", "MDT": "America/Denver", "MT": "America/Denver",
	"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
}

var offsetRe = regexp.MustCompile(`^(?:Z|[+-]\d{2}(?::?\d{2})?)$`)

// LookupZone turns a zone written by a person (an abbreviation from the
// table above, an IANA name or an offset such as +01:00) into a location.
func LookupZone(s string) (*time.Location, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if name, ok := zoneAbbreviations[strings.ToUpper(s)]; ok {
		if name == "UTC" {
			return time.UTC, true
		}
		loc, err := time.LoadLocation(name)
		return loc, err == nil
	}
	if offsetRe.MatchString(s) {
		return parseOffset(s)
	}
	if len(s) > 3 && strings.Contains(s, "/") && !strings.Contains(s, "..") {
		if loc, err := time.LoadLocation(s); err == nil {
			return loc, true
		}
	}
	return nil, false
}

// parseOffset reads Z, +01:00, +0100 or -07 into a fixed zone.
func parseOffset(s string) (*time.Location, bool) {
	if s == "Z" {
		return time.UTC, true
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if len(digits) < 2 {
		return nil, false
	}
	h, err := strconv.Atoi(digits[:2])
	if err != nil {
		return nil, false
	}
	m := 0
	if len(digits) == 4 {
		if m, err = strconv.Atoi(digits[2:]); err != nil {
			return nil, false
		}
	}
	if h > 14 || m > 59 {
		return nil, false
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, true
	}
	// Name the zone by its offset so the stored zone reads "+01:00".
	return time.FixedZone(fmt.Sprintf("%+03d:%02d", sign*h, m), off), true
}

// zoneWordRe finds a zone named in a header or a sentence like "All times
// are in CET" or "Time (UTC+1)". It matches whole words only, so "Event"
// or "Estimate" never read as a zone.
var zoneWordRe = regexp.MustCompile(`\b(?:(UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?|UTC|GMT|CET|CEST|MET|MEST|EET|EEST|WET|WEST|BST|IST|JST|KST|SGT|AEST|AEDT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)\b`)

// ZoneInText returns the first zone named in s.
func ZoneInText(s string) (*time.Location, bool) {
	for _, m := range zoneWordRe.FindAllStringSubmatch(s, -1) {
		if m[1] != "" {
			minutes := m[4]
			if minutes == "" {
				minutes = "00"
			}
			if loc, ok := parseOffset(fmt.Sprintf("%s%02s:%s", m[2], m[3], minutes)); ok {
				return loc, true
			}
			continue
		}
		if loc, ok := LookupZone(m[0]); ok {
			return loc, true
		}
	}
	return nil, false
}
