package debrief

import "context"

// PostmortemScorer returns the quality check's score (0–100) of pm, read
// through svc with the permissions of the actor in ctx. Package quality
// provides it and main wires it in with WithPostmortemScorer: this
// package cannot import the checks.
type PostmortemScorer func(ctx context.Context, svc *Service, pm *Postmortem) (int, error)

// WithPostmortemScorer makes the Service store each postmortem's quality
// score when the postmortem is saved, so analytics can show scores over
// time without checking every postmortem again on each request.
func WithPostmortemScorer(f PostmortemScorer) Option {
	return func(s *Service) { s.scorer = f }
}

// storeQualityScore scores pm as just saved and stores the score. The save
// has committed already and stands whatever happens here: a score that
// cannot be computed or stored leaves the previous one (or none) until
// the next save, which analytics reports as it is.
func (s *Service) storeQualityScore(ctx context.Context, pm *Postmortem) {
	if s.scorer == nil || pm == nil {
		return
	}
	score, err := s.scorer(ctx, s, pm)
	if err != nil || score < 0 || score > 100 {
		return
	}
	_ = s.store.SetPostmortemQualityScore(ctx, pm.ID, pm.Version, score)
}
