package debrief

import (
	"math"
	"sort"
	"strings"
)

// The rules of similar incidents live here, apart from the store that
// finds the candidates: what each component weighs, which words say
// something, and how two texts are compared. They were measured with
// `debrief eval similar` (docs/QUALITY.md).

// Weights of the similarity components; they sum to 1, so a score reads
// as "how alike, out of 1". Shared contributing factors and alerts say
// most about a repeat; shared services are common; text is the fallback.
const (
	SimilarServicesWeight = 0.25
	SimilarFactorsWeight  = 0.30
	SimilarAlertsWeight   = 0.25
	SimilarTextWeight     = 0.20
)

// SimilarMaxTerms bounds the words of an incident's text that look for
// others: its most telling ones, by weight and rarity.
const SimilarMaxTerms = 16

// similarFieldWeights weighs the words of each field of a document: a
// title says in a few words what happened, the summary tells it at
// length, and the impact and contributing factors add what it touched.
// Fields not named here (the body) are left out: measured on the icco
// corpus, they add words about how the team worked, not what broke.
var similarFieldWeights = map[string]float64{
	"title":                2,
	"summary":              1,
	"impact":               1,
	"contributing_factors": 1,
}

// SimilarField says whether a field of a document's text counts for
// similarity.
func SimilarField(name string) bool { return similarFieldWeights[name] > 0 }

// similarStopWords say nothing about what broke.
var similarStopWords = map[string]bool{}

func init() {
	for _, w := range []string{
		"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or", "the", "to",
		"was", "were", "with", "after", "during", "some", "all", "not", "no", "down", "up", "we", "our", "this", "that",
		"when", "which", "while", "their", "they", "them", "its", "into", "than", "then", "there", "these", "those",
		"has", "had", "have", "been", "being", "but", "also", "more", "most", "other", "over", "about", "because",
		"could", "would", "should", "can", "did", "does", "due", "caused", "causing", "cause", "led", "leading",
		"incident", "issue", "issues", "problem", "outage", "users", "customers", "service", "services",
		"what", "who", "how", "why", "where", "one", "two", "any", "each", "out", "off", "only",
	} {
		similarStopWords[w] = true
	}
}

// SimilarStopWord says whether a word is left out of similarity.
func SimilarStopWord(w string) bool { return similarStopWords[w] }

// SimilarTerms counts the telling words of a document's fields, each
// occurrence weighted by its field. Short words, stop words and numbers
// are left out; words longer than maxLen bytes too (the index skips
// them).
func SimilarTerms(fields []SearchField, maxLen int) map[string]float64 {
	out := map[string]float64{}
	var all strings.Builder
	for _, f := range fields {
		w := similarFieldWeights[f.Name]
		if w <= 0 {
			continue
		}
		all.WriteString(f.Text + "\n")
		for _, t := range SearchTokens(f.Text) {
			if len(t) < 3 || len(t) > maxLen || similarStopWords[t] || isNumber(t) {
				continue
			}
			out[t] += w
		}
	}
	topics, _ := SimilarTopics(all.String())
	for _, t := range topics {
		out[t] = similarTopicWeight
	}
	return out
}

// similarTopicWeight is the weight of a topic term, as if its words were
// said this many times.
const similarTopicWeight = 2

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// SimilarIDF is the inverse document frequency of a word found in df of
// n documents: rare words weigh most.
func SimilarIDF(n, df int) float64 {
	return math.Log(float64(n+1) / float64(df+1))
}

// SimilarTopTerms returns the words of terms worth searching for, the
// heaviest (weight times rarity) first, at most limit.
func SimilarTopTerms(terms map[string]float64, idf map[string]float64, limit int) []string {
	var out []string
	for t := range terms {
		if idf[t] > 0 {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := terms[out[i]]*idf[out[i]], terms[out[j]]*idf[out[j]]
		if a != b {
			return a > b
		}
		return out[i] < out[j]
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// SimilarTextScore compares two texts by their terms (ideas use it; similar
// incidents use SimilarRelevance): the cosine of their vectors of weight
// times IDF, with the log of each weight so a word said five times counts
// a little more than once, not five times. idf holds the probe's words; a
// word of doc not in it weighs other, a typical word's IDF.
func SimilarTextScore(probe, doc map[string]float64, idf map[string]float64, other float64) float64 {
	var dot, np, nd float64
	for t, w := range probe {
		x := (1 + math.Log(w)) * idf[t]
		np += x * x
		if v, ok := doc[t]; ok {
			dot += x * (1 + math.Log(v)) * idf[t]
		}
	}
	for t, v := range doc {
		f, ok := idf[t]
		if !ok {
			f = other
		}
		y := (1 + math.Log(v)) * f
		nd += y * y
	}
	if dot <= 0 || np <= 0 || nd <= 0 {
		return 0
	}
	return dot / math.Sqrt(np*nd)
}

// SimilarFields lists the fields whose words count for similarity.
func SimilarFields() []string {
	out := make([]string, 0, len(similarFieldWeights))
	for f := range similarFieldWeights {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// similarTopicPrefix marks the terms that stand for a topic of the
// built-in factor taxonomy (hardware, time, security…) rather than a
// word: two texts that say "generator" and "power loss" share the topic
// though not a word. No word the tokenizer makes contains it.
const similarTopicPrefix = "topic:"

// SimilarTopics returns the topics of the built-in taxonomy the text
// suggests, as terms (see SimilarTerms), and the phrases of those topics,
// each split in words, for finding other texts about them.
func SimilarTopics(text string) (terms []string, phrases [][]string) {
	for _, s := range SuggestFactors(text, nil, nil) {
		terms = append(terms, similarTopicPrefix+s.Factor)
		for _, f := range factorTaxonomy {
			if f.factor != s.Factor {
				continue
			}
			for _, p := range f.phrases {
				if ws := SearchTokens(p); len(ws) > 0 {
					phrases = append(phrases, ws)
				}
			}
		}
	}
	return terms, phrases
}

// IsSimilarTopic says whether a term stands for a topic.
func IsSimilarTopic(t string) bool { return strings.HasPrefix(t, similarTopicPrefix) }

// BM25 constants of SimilarRelevance: k1 bounds how much a word said again
// adds (a second "generator" adds less than the first, a fifth almost
// nothing), b how much a long text's words are discounted against a short
// one's. The textbook values; not fitted to any corpus.
const (
	similarBM25K1 = 1.2
	similarBM25B  = 0.75
)

// SimilarRelevance scores how much doc says what the probe says: BM25
// over the probe's terms, each weighed by its weight in the probe times
// its IDF (a term without IDF, too common or not counted, adds nothing). A
// doc's term weights are saturated (k1) and discounted by the doc's length
// against avgLen (b), so a long summary that mentions many things does not
// outrank a short one about the same thing, and a word said over and over
// does not outrank two words said once. Length is the sum of a document's
// term weights (SimilarLength).
func SimilarRelevance(probe, doc map[string]float64, idf map[string]float64, avgLen float64) float64 {
	if avgLen <= 0 {
		return 0
	}
	norm := similarBM25K1 * (1 - similarBM25B + similarBM25B*SimilarLength(doc)/avgLen)
	s := 0.0
	for t, w := range probe {
		v, ok := doc[t]
		if !ok || idf[t] <= 0 {
			continue
		}
		s += w * idf[t] * v * (similarBM25K1 + 1) / (v + norm)
	}
	return s
}

// SimilarLength is a document's length as SimilarRelevance counts it.
func SimilarLength(doc map[string]float64) float64 {
	n := 0.0
	for _, w := range doc {
		n += w
	}
	return n
}
