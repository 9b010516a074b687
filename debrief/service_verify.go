package debrief

import "context"

// verificationRequired reports whether marking item done needs a
// verification: the item asks for one, or the policy of its template names
// the severity of its incident. The template is the one its postmortem was
// made from, or else the one that applies to the incident now.
func (s *Service) verificationRequired(ctx context.Context, item *ActionItem) (required bool, why string, err error) {
	if item.VerifyRequired {
		return true, "this item asks for one", nil
	}
	// Items of project postmortems have no incident, so no severity.
	if item.IncidentID == nil {
		return false, "", nil
	}
	inc, err := s.store.Incident(ctx, *item.IncidentID)
	if err != nil {
		return false, "", err
	}
	var ct *CustomTemplate
	if item.PostmortemID != nil {
		pm, err := s.store.Postmortem(ctx, *item.PostmortemID)
		if err != nil {
			return false, "", err
		}
		ct, err = s.PostmortemTemplate(ctx, pm)
		if err != nil {
			return false, "", err
		}
	} else if ct, err = s.TemplateForIncident(ctx, inc); err != nil {
		return false, "", err
	}
	if ct.Policy.VerifiesDone(inc.Severity) {
		return true, "template " + ct.Key + " asks for one on " + inc.Severity + " incidents", nil
	}
	return false, "", nil
}

// checkVerification refuses next, the item as a change would leave it
// (cur is the item before, nil for a new one), when it is done without the
// verification its policy asks for. An item that was already done without
// one before the policy asked (or before this rule existed) may still be
// edited; clearing a verification is refused like never giving one.
func (s *Service) checkVerification(ctx context.Context, cur, next *ActionItem) error {
	if next.Status != ActionDone || next.Verification != "" {
		return nil
	}
	if cur != nil && cur.Status == ActionDone && cur.Verification == "" && cur.VerifyRequired == next.VerifyRequired {
		return nil
	}
	required, why, err := s.verificationRequired(ctx, next)
	if err != nil {
		return err
	}
	if required {
		return Errorf(EInvalid, "verification", "Marking this action item done needs a verification (%s): give a note or a link showing the fix shipped, e.g. the merged pull request.", why)
	}
	return nil
}
