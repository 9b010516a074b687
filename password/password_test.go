package password

import (
	"strings"
	"testing"
)

// fast keeps tests quick; production uses Default.
var fast = Hasher{P: Params{Memory: 64, Time: 1, Threads: 1}}

func TestHashVerify(t *testing.T) {
	h, err := fast.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q, want a PHC argon2id string with the given parameters", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery staple", true}, {"correct horse battery stapl", false}, {"", false}} {
		ok, err := fast.Verify(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(hash, %q) = %v, %v; want %v, nil", tc.pw, ok, err, tc.want)
		}
	}
	h2, _ := fast.Hash("correct horse battery staple")
	if h2 == h {
		t.Errorf("two hashes of one password are equal; want distinct salts")
	}
}

func TestVerifyRejectsBadHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if ok, err := fast.Verify(h, "x"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want false and an error", h, ok, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	h, _ := fast.Hash("seed password")
	f.Add(h)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, _, _, err := Parse(s)
		if err == nil && (p.Memory > maxMemory || p.Time > maxTime) {
			t.Fatalf("Parse(%q) accepted parameters over the limits: %+v", s, p)
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	h := New()
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
