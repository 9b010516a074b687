// Package templates reads and writes postmortem templates as YAML files, so
// teams can keep them in git and apply them with `debrief template apply`,
// and resolves the variables ({{incident.title}}, {{incident.duration}}, …)
// that a template's starting text may hold.
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds a template file; the largest valid template (50
// sections of 64 KB starting text) stays well below it.
const MaxFileSize = 4 << 20

// file is the YAML shape of a template. It is separate from
// debrief.CustomTemplate so that bookkeeping fields (version, author) are
// not accepted from a file and unknown keys are rejected by name.
type file struct {
	Key         string                    `yaml:"key"`
	Name        string                    `yaml:"name"`
	Description string                    `yaml:"description,omitempty"`
	Kind        string                    `yaml:"kind,omitempty"`
	Policy      filePolicy                `yaml:"policy,omitempty"`
	Sections    []debrief.TemplateSection `yaml:"sections"`
}

type filePolicy struct {
	Severities    []string `yaml:"severities,omitempty"`
	IncidentTypes []string `yaml:"incident_types,omitempty"`
	RequiredFor   []string `yaml:"required_for,omitempty"`
	DueDays       int      `yaml:"due_days,omitempty"`
	VerifyFor     []string `yaml:"verify_for,omitempty"`
}

// Parse reads one template from YAML (JSON works too, being YAML) and
// validates it against severities (nil skips the severity names check). Errors
// are *debrief.Error with code EInvalid whose message names the line, so a
// user can fix the file.
func Parse(data []byte, severities []debrief.SeverityLevel) (*debrief.CustomTemplate, error) {
	if len(data) > MaxFileSize {
		return nil, debrief.Errorf(debrief.ETooLarge, "", "The template file is %d bytes; at most %d are allowed.", len(data), MaxFileSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, debrief.Errorf(debrief.EInvalid, "", "The template file is empty.")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := decodeOne(dec, &f); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, debrief.Errorf(debrief.EInvalid, "", "The file holds more than one YAML document; put each template in its own file.")
	}
	t := &debrief.CustomTemplate{
		Template: debrief.Template{Key: f.Key, Name: f.Name, Description: f.Description, Kind: debrief.PostmortemKind(f.Kind), Sections: f.Sections},
		Policy:   debrief.TemplatePolicy(f.Policy),
	}
	if err := t.Validate(severities); err != nil {
		return nil, err
	}
	if err := Check(t); err != nil {
		return nil, err
	}
	return t, nil
}

// Check rejects a template whose starting text or guidance uses a variable
// Render does not know, so a typo is caught when the template is saved rather
// than in every postmortem made from it.
func Check(t *debrief.CustomTemplate) error {
	for i, s := range t.Sections {
		for _, text := range []string{s.StartingText, s.Guidance} {
			if unknown := UnknownVariables(text); len(unknown) > 0 {
				return debrief.Errorf(debrief.EInvalid, fmt.Sprintf("sections[%d].starting_text", i),
					"Section %q uses the unknown variable {{%s}}; known ones are incident.title, incident.duration, incident.severity, incident.services and the others listed by `debrief template variables`.", s.Key, unknown[0])
			}
		}
	}
	return nil
}

// decodeOne turns yaml.v3's errors (which may panic on hostile input in
// some versions' edge cases) into a plain EInvalid error with the line.
func decodeOne(dec *yaml.Decoder, f *file) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = debrief.Errorf(debrief.EInvalid, "", "The template file is not valid YAML.")
		}
	}()
	if err := dec.Decode(f); err != nil {
		if errors.Is(err, io.EOF) {
			return debrief.Errorf(debrief.EInvalid, "", "The template file is empty.")
		}
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		msg = strings.ReplaceAll(msg, "in type templates.file", "in a template")
		msg = strings.ReplaceAll(msg, "in type templates.filePolicy", "in policy")
		msg = strings.ReplaceAll(msg, "in type debrief.TemplateSection", "in a section")
		return &debrief.Error{Code: debrief.EInvalid, Message: "The template file is not a valid template: " + msg + ".", Err: err}
	}
	return nil
}

// Marshal writes t as a YAML file that Parse reads back to the same
// template; the version and author are written as a comment because they
// belong to the server, not the file.
func Marshal(t *debrief.CustomTemplate) ([]byte, error) {
	f := file{Key: t.Key, Name: t.Name, Description: t.Description, Kind: string(t.Kind), Policy: filePolicy(t.Policy), Sections: t.Sections}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Debrief postmortem template %q, version %d", t.Key, t.Version)
	if t.BuiltIn {
		buf.WriteString(" (built in)")
	}
	buf.WriteString(".\n# Apply with: debrief template apply FILE.yaml\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&f); err != nil {
		return nil, fmt.Errorf("templates: encode %q: %w", t.Key, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("templates: encode %q: %w", t.Key, err)
	}
	return buf.Bytes(), nil
}
