package sqlstore

import (
	"math"
	"slices"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// headIndex is the first tier's words in memory, part of the fact cache:
// for each word, the documents that have it in their title and those that
// have it in their summary, and each document's title and summary words
// in order (a factRow's span of seq), which phrases are checked against
// and which removing a document reads to find its entries.
//
// rankHead used to read those lists from search_head, per word and field,
// at about 150 ns an entry: a common word has hundreds of thousands of
// entries at 1,000,000 documents, and the lists were most of the slowest
// searches there (docs/PERFORMANCE.md). In memory an entry costs a few
// nanoseconds. The price is memory: two 4-byte entries per title and
// summary word, about 8 bytes × 25 words × 1,000,000 documents, and the
// vocabulary. search_head_text (migration 00030) holds the words for
// loading.
//
// Everything here pointer-free except the vocabulary and the lists'
// headers (two per distinct word), so the garbage collector marks a few
// hundred thousand objects at most, never a million documents' worth.
type headIndex struct {
	// words numbers the words, text is each number's word.
	words map[string]uint32
	text  []string
	// title and summary hold, by word number, the ids of the documents
	// with the word in that field, ascending.
	title, summary [][]uint32
	// seq holds every document's title words then its summary words, as
	// numbers; stale counts the entries of documents since removed,
	// which compact drops once they are half.
	seq   []uint32
	stale int
	// outside counts the present documents whose id does not fit the
	// lists' 32 bits (none unless there are two billion incidents);
	// while there are any, rankHead asks SQLite instead (rankHeadBM25).
	outside int
}

// word returns the number of word w, numbering it if new; c.mu held for
// writing.
func (h *headIndex) word(w []byte) uint32 {
	if n, ok := h.words[string(w)]; ok {
		return n
	}
	if h.words == nil {
		h.words = map[string]uint32{}
	}
	n := uint32(len(h.text))
	s := string(w)
	h.words[s] = n
	h.text = append(h.text, s)
	h.title = append(h.title, nil)
	h.summary = append(h.summary, nil)
	return n
}

// appendWords appends the numbers of the words of text (words joined by
// single spaces, as search_head_text keeps them) to dst, at most limit of
// them, and returns how many it appended. (The index keeps at most 500
// title and 10,000 summary words, columnTokenCap; the limit only keeps a
// factRow's 16-bit counts true.)
func (h *headIndex) appendWords(dst []uint32, text []byte, limit int) ([]uint32, int) {
	n := 0
	for len(text) > 0 && n < limit {
		w := text
		if i := slices.Index(text, ' '); i >= 0 {
			w, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if len(w) == 0 {
			continue
		}
		dst = append(dst, h.word(w))
		n++
	}
	return dst, n
}

// add enters document id with the words of r's span of seq; c.mu held for
// writing.
func (h *headIndex) add(id int64, r *factRow) {
	if id < 0 || id > math.MaxUint32 {
		h.outside++
		return
	}
	h.apply(uint32(id), r, insertID)
}

// remove takes document id, whose words are r's span of seq, out of the
// lists; c.mu held for writing.
func (h *headIndex) remove(id int64, r *factRow) {
	h.stale += int(r.titleN) + int(r.sumN)
	if id < 0 || id > math.MaxUint32 {
		h.outside--
		return
	}
	h.apply(uint32(id), r, removeID)
}

// apply changes the list of each of r's words in its field by op.
func (h *headIndex) apply(id uint32, r *factRow, op func([]uint32, uint32) []uint32) {
	title, summary := h.spans(r)
	for _, w := range title {
		h.title[w] = op(h.title[w], id)
	}
	for _, w := range summary {
		h.summary[w] = op(h.summary[w], id)
	}
}

// spans returns r's title and summary words.
func (h *headIndex) spans(r *factRow) (title, summary []uint32) {
	mid := r.seq + uint32(r.titleN)
	return h.seq[r.seq:mid], h.seq[mid : mid+uint32(r.sumN)]
}

// insertID adds id to an ascending list, once. New documents have the
// largest ids, so it is nearly always an append.
func insertID(list []uint32, id uint32) []uint32 {
	if n := len(list); n == 0 || list[n-1] < id {
		return append(list, id)
	}
	i, found := slices.BinarySearch(list, id)
	if found {
		return list
	}
	return slices.Insert(list, i, id)
}

// removeID takes id out of an ascending list.
func removeID(list []uint32, id uint32) []uint32 {
	i, found := slices.BinarySearch(list, id)
	if !found {
		return list
	}
	return slices.Delete(list, i, i+1)
}

// termLists returns the ascending ids of the documents that have term t
// in their title and in their summary, as FTS5 would match the term on
// search_head's columns: a word; a prefix (any word starting with it);
// a phrase (its words one after another in one field, the last a prefix
// if t is). c.mu held for reading; the lists may be the index's own, and
// must not be changed.
func (c *factCache) termLists(t debrief.SearchTerm) (title, summary []uint32) {
	h := &c.head
	if len(t.Tokens) == 0 {
		return nil, nil
	}
	// Each token's words: one, or every word a prefix starts.
	sets := make([][]uint32, len(t.Tokens))
	for i, tok := range t.Tokens {
		if t.Prefix && i == len(t.Tokens)-1 {
			sets[i] = h.prefixed(tok)
		} else if n, ok := h.words[tok]; ok {
			sets[i] = []uint32{n}
		}
		if len(sets[i]) == 0 {
			return nil, nil
		}
	}
	field := func(lists [][]uint32, phrase func(r *factRow) []uint32) []uint32 {
		per := make([][]uint32, len(sets))
		for i, set := range sets {
			per[i] = unionOf(lists, set)
		}
		if len(per) == 1 {
			return per[0]
		}
		// A phrase: the documents with every word, then those where the
		// words follow one another.
		slices.SortFunc(per, func(a, b []uint32) int { return len(a) - len(b) })
		var out []uint32
		cursors := make([]listCursor[uint32], len(per))
	doc:
		for _, id := range per[0] {
			for i := 1; i < len(per); i++ {
				if !cursors[i].has(per[i], id) {
					continue doc
				}
			}
			if followed(phrase(c.get(int64(id))), sets) {
				out = append(out, id)
			}
		}
		return out
	}
	title = field(h.title, func(r *factRow) []uint32 { t, _ := h.spans(r); return t })
	summary = field(h.summary, func(r *factRow) []uint32 { _, s := h.spans(r); return s })
	return title, summary
}

// prefixed returns the numbers of the words that start with p, ascending.
func (h *headIndex) prefixed(p string) []uint32 {
	var out []uint32
	for n, w := range h.text {
		if strings.HasPrefix(w, p) {
			out = append(out, uint32(n))
		}
	}
	return out
}

// unionOf returns the ids in any of the lists of the given words,
// ascending: the word's own list when there is one word.
func unionOf(lists [][]uint32, words []uint32) []uint32 {
	if len(words) == 1 {
		return lists[words[0]]
	}
	var out []uint32
	for _, w := range words {
		out = append(out, lists[w]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// followed reports whether words holds, somewhere, one word of each set
// in a row.
func followed(words []uint32, sets [][]uint32) bool {
	for start := 0; start+len(sets) <= len(words); start++ {
		ok := true
		for i, set := range sets {
			if !inSet(set, words[start+i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// inSet reports whether an ascending set of word numbers holds w.
func inSet(set []uint32, w uint32) bool {
	if len(set) == 1 {
		return set[0] == w
	}
	_, found := slices.BinarySearch(set, w)
	return found
}
