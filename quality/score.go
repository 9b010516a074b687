package quality

import (
	"context"

	"github.com/debriefhq/debrief/debrief"
)

// Score checks a stored postmortem with the default rules and returns its
// score (0–100), the figure the editor shows. It is a
// debrief.PostmortemScorer: main wires it into the Service, which stores
// the score of each postmortem as it is saved.
func Score(ctx context.Context, svc *debrief.Service, pm *debrief.Postmortem) (int, error) {
	in, err := Gather(ctx, svc, pm)
	if err != nil {
		return 0, err
	}
	return Check(in, nil).Score, nil
}

var _ debrief.PostmortemScorer = Score
