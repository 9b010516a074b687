package export

import (
	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

func parsePlain(fm *yaml.Node, lines []string, bodyStart int) (*Document, error) {
	return nil, debrief.Errorf(debrief.EInvalid, "markdown", "not yet")
}
