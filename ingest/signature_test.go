package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// hmacHex computes the signature independently of SignHMAC, so a bug there
// cannot hide in both sides of a comparison.
func hmacHex(t *testing.T, body []byte, secret string) string {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyPagerDuty(t *testing.T) {
	body, err := os.ReadFile("testdata/pagerduty/incident.triggered.json")
	if err != nil {
		t.Fatal(err)
	}
	const secret, oldSecret = "ChL+2LLV4bS0JQbJ0sbFF0GM5a4IMHQkeg6rBK2NBA8+SmLhmLSoCmeQ6lzs1NpP", "previous-secret"
	good := hmacHex(t, body, secret)
	old := hmacHex(t, body, oldSecret)
	if SignHMAC(body, secret) != good {
		t.Fatalf("SignHMAC = %s, want %s", SignHMAC(body, secret), good)
	}
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-3] = ' '
	tests := []struct {
		name    string
		body    []byte
		header  string
		secrets []string
		ok      bool
	}{
		{"one signature", body, "v1=" + good, []string{secret}, true},
		{"rotation: new and old signatures, new secret", body, "v1=" + old + ",v1=" + good, []string{secret}, true},
		{"rotation: new and old signatures, old secret only", body, "v1=" + good + ", v1=" + old, []string{oldSecret}, true},
		{"two secrets configured", body, "v1=" + old, []string{secret, oldSecret}, true},
		{"unknown scheme skipped", body, "v2=abcd,v1=" + good, []string{secret}, true},
		{"wrong secret", body, "v1=" + good, []string{"other"}, false},
		{"tampered body", tampered, "v1=" + good, []string{secret}, false},
		{"missing header", body, "", []string{secret}, false},
		{"no v1 value", body, "sha256=" + good, []string{secret}, false},
		{"not hex", body, "v1=zz" + good[2:], []string{secret}, false},
		{"truncated signature", body, "v1=" + good[:40], []string{secret}, false},
		{"no secret configured", body, "v1=" + good, nil, false},
		{"empty secret never matches", body, "v1=" + hmacHex(t, body, ""), []string{""}, false},
	}
	for _, tt := range tests {
		err := VerifyPagerDuty(tt.body, tt.header, tt.secrets)
		if tt.ok && err != nil {
			t.Errorf("%s: VerifyPagerDuty(header %.30q…) = %v, want nil", tt.name, tt.header, err)
		}
		if !tt.ok && !debrief.IsCode(err, debrief.EUnauthorized) {
			t.Errorf("%s: VerifyPagerDuty(header %.30q…) = %v, want EUnauthorized", tt.name, tt.header, err)
		}
	}
}

func TestVerifyGitHub(t *testing.T) {
	body, err := os.ReadFile("testdata/github/deployment_status-success.json")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "It's a Secret to Everybody"
	good := hmacHex(t, body, secret)
	// GitHub's documentation gives this pair as its worked example.
	if got := hmacHex(t, []byte("Hello, World!"), secret); got != "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Fatalf("HMAC of GitHub's documented example = %s", got)
	}
	if err := VerifyGitHub([]byte("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", []string{secret}); err != nil {
		t.Errorf("VerifyGitHub(GitHub's documented example) = %v, want nil", err)
	}
	tests := []struct {
		name    string
		header  string
		secrets []string
		ok      bool
	}{
		{"valid", "sha256=" + good, []string{secret}, true},
		{"second of two secrets", "sha256=" + good, []string{"old", secret}, true},
		{"wrong secret", "sha256=" + good, []string{"nope"}, false},
		{"sha1 header form", "sha1=" + good, []string{secret}, false},
		{"missing", "", []string{secret}, false},
		{"not hex", "sha256=xyz", []string{secret}, false},
	}
	for _, tt := range tests {
		err := VerifyGitHub(body, tt.header, tt.secrets)
		if tt.ok && err != nil {
			t.Errorf("%s: VerifyGitHub = %v, want nil", tt.name, err)
		}
		if !tt.ok && !debrief.IsCode(err, debrief.EUnauthorized) {
			t.Errorf("%s: VerifyGitHub = %v, want EUnauthorized", tt.name, err)
		}
	}
}
