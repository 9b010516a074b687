package sqlstore

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
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
// nanoseconds. The price is memory, kept down two ways: a word's list
// past bitmapAbove documents is a roaring bitmap (about 2 bytes a
// document, or a bit where the word is common), and the words in order
// are varint-coded numbers, the common words (numbered first) a byte
// each. In the generated corpus of 1,000,000 documents (77 title and
// summary words each) that is about 80 MB of lists and 110 MB of words
// (docs/PERFORMANCE.md). search_head_text (migration 00030) holds the
// words for loading.
//
// The lists of rare words are plain slices, so the garbage collector
// marks a few objects per word, and bitmaps only for the common ones:
// never a million documents' worth of objects.
type headIndex struct {
	// words numbers the words, text is each number's word.
	words map[string]uint32
	text  []string
	// title and summary hold, by word number, the documents with the word
	// in that field.
	title, summary []postings
	// seq holds every document's title words then its summary words, as
	// uvarint word numbers; stale counts the bytes of documents since
	// removed, which compact drops once they are half.
	seq   []byte
	stale int
	// bitmapAbove is the most documents a list holds as a slice
	// (defaultBitmapAbove), phraseSample the most of a phrase's listed
	// documents checked for its idf (defaultPhraseSample); tests lower
	// them.
	bitmapAbove, phraseSample int
	// seqLimit is the length of seq past which no document's words are
	// added (defaultSeqLimit; a test lowers it).
	seqLimit int
	// outside counts the present documents whose id does not fit the
	// lists' 32 bits (none unless there are two billion incidents), or
	// whose words seq had no room for (factNoHead); while there are
	// any, rankHead asks SQLite instead (rankHeadBM25).
	outside int
}

// postings are the documents with one word in one field: ascending ids
// while there are at most headIndex.bitmapAbove of them, then a roaring
// bitmap.
type postings struct {
	ids []uint32
	bm  *roaring.Bitmap
}

// defaultSeqLimit keeps every offset into seq, and a document's words
// after it, within a factRow's 32 bits.
const defaultSeqLimit = math.MaxUint32 - 2*math.MaxUint16

// defaultBitmapAbove is the most documents a word's list holds as a
// slice: past it a bitmap takes half the memory or less, and the few
// words that common make few bitmaps for the garbage collector to mark.
const defaultBitmapAbove = 4096

// add adds id, and turns the list into a bitmap once it holds more than
// above.
func (p *postings) add(id uint32, above int) {
	if p.bm != nil {
		p.bm.Add(id)
		return
	}
	p.ids = insertID(p.ids, id)
	if len(p.ids) > above {
		p.bm, p.ids = roaring.BitmapOf(p.ids...), nil
	}
}

func (p *postings) remove(id uint32, _ int) {
	if p.bm != nil {
		p.bm.Remove(id)
		return
	}
	p.ids = removeID(p.ids, id)
}

// size is the number of documents listed.
func (p *postings) size() int {
	if p.bm != nil {
		return int(p.bm.GetCardinality())
	}
	return len(p.ids)
}

// list returns the ids ascending: the list itself (not to be changed),
// or the bitmap's ids in a new slice.
func (p *postings) list() []uint32 {
	if p.bm != nil {
		return p.bm.ToArray()
	}
	return p.ids
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
	h.title = append(h.title, postings{})
	h.summary = append(h.summary, postings{})
	return n
}

// appendWords appends the numbers of the words of text (words joined by
// single spaces, as search_head_text keeps them) to dst as uvarints, at
// most limit bytes of them, and returns how many bytes it appended. (The
// index keeps at most 500 title and 10,000 summary words,
// columnTokenCap, 50,000 bytes at most; the limit only keeps a factRow's
// 16-bit lengths true.)
func (h *headIndex) appendWords(dst []byte, text []byte, limit int) ([]byte, int) {
	start := len(dst)
	for len(text) > 0 {
		w := text
		if i := slices.Index(text, ' '); i >= 0 {
			w, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if len(w) == 0 {
			continue
		}
		n := h.word(w)
		if len(dst)-start+binary.MaxVarintLen32 > limit {
			break
		}
		dst = binary.AppendUvarint(dst, uint64(n))
	}
	return dst, len(dst) - start
}

// decodeWords appends the word numbers coded in b to dst[:0].
func decodeWords(dst []uint32, b []byte) []uint32 {
	dst = dst[:0]
	for i := 0; i < len(b); {
		if c := b[i]; c < 0x80 {
			dst = append(dst, uint32(c))
			i++
			continue
		}
		v, n := binary.Uvarint(b[i:])
		if n <= 0 {
			break // not written by appendWords
		}
		dst = append(dst, uint32(v))
		i += n
	}
	return dst
}

// add enters document id with the words of r's span of seq; c.mu held for
// writing.
func (h *headIndex) add(id int64, r *factRow) {
	if id < 0 || id > math.MaxUint32 || r.flags&factNoHead != 0 {
		h.outside++
		return
	}
	h.apply(uint32(id), r, (*postings).add)
}

// remove takes document id, whose words are r's span of seq, out of the
// lists; c.mu held for writing.
func (h *headIndex) remove(id int64, r *factRow) {
	h.stale += int(r.titleB) + int(r.sumB)
	if id < 0 || id > math.MaxUint32 || r.flags&factNoHead != 0 {
		h.outside--
		return
	}
	h.apply(uint32(id), r, (*postings).remove)
}

// apply changes the list of each of r's words in its field by op.
func (h *headIndex) apply(id uint32, r *factRow, op func(*postings, uint32, int)) {
	title, summary := h.spans(r)
	var words []uint32
	words = decodeWords(words, title)
	for _, w := range words {
		op(&h.title[w], id, h.bitmapAbove)
	}
	words = decodeWords(words, summary)
	for _, w := range words {
		op(&h.summary[w], id, h.bitmapAbove)
	}
}

// spans returns r's title and summary words, coded.
func (h *headIndex) spans(r *factRow) (title, summary []byte) {
	mid := r.seq + uint32(r.titleB)
	return h.seq[r.seq:mid], h.seq[mid : mid+uint32(r.sumB)]
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

// headTerm is a term's documents in the title and in the summary,
// ascending. For a word or a prefix the lists are exact. For a phrase
// (sets, each of its words' numbers) they hold the documents that have
// all its words in the field, and has tells which of them have the words
// one after another: at 1,000,000 documents a phrase of common words has
// a hundred thousand such documents, and checking each costs a read of
// its words, so rankHead checks only those it needs.
type headTerm struct {
	title, summary []uint32
	sets           [][]uint32
}

// headTerm returns term t's lists, as FTS5 would match the term on
// search_head's columns: a word; a prefix (any word starting with it); a
// phrase (its words one after another in one field, the last a prefix if
// t is). c.mu held for reading; the lists may be the index's own, and must
// not be changed.
func (c *factCache) headTerm(t debrief.SearchTerm) headTerm {
	h := &c.head
	if len(t.Tokens) == 0 {
		return headTerm{}
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
			return headTerm{}
		}
	}
	field := func(lists []postings) []uint32 {
		per := make([][]uint32, len(sets))
		for i, set := range sets {
			per[i] = unionOf(lists, set)
		}
		if len(per) == 1 {
			return per[0]
		}
		// The documents with every word of the phrase.
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
			out = append(out, id)
		}
		return out
	}
	ht := headTerm{title: field(h.title), summary: field(h.summary)}
	if len(sets) > 1 {
		ht.sets = sets
	}
	return ht
}

// has reports whether document d, listed in the title (title set) or the
// summary, has the term there: for a phrase, whether its words follow one
// another. c.mu held for reading.
func (c *factCache) has(ht *headTerm, d uint32, title bool) bool {
	if ht.sets == nil {
		return true
	}
	t, s := c.head.spans(c.get(int64(d)))
	if title {
		return hasPhrase(t, ht.sets)
	}
	return hasPhrase(s, ht.sets)
}

// defaultPhraseSample is how many of a phrase's listed documents are
// checked to estimate how many have it, for its idf: checking all of a
// common phrase's hundred thousand would cost more than the rest of the
// search.
const defaultPhraseSample = 2000

// termDocs returns how many documents have the term in their title or
// summary, for its idf: exact for a word, a prefix and a phrase listed in
// at most head.phraseSample documents, estimated from that many of them
// past that. The idf of a single term multiplies every score alike, so
// the estimate moves a phrase's weight against the query's other words
// only, by the sample's error (a percent or two).
func (c *factCache) termDocs(ht *headTerm) int {
	if ht.sets == nil {
		return unionSize(ht.title, ht.summary)
	}
	all := mergeUnion(ht.title, ht.summary)
	step := max(1, len(all)/c.head.phraseSample)
	var inTitle, inSummary listCursor[uint32]
	checked, found := 0, 0
	for i := 0; i < len(all); i += step {
		d := all[i]
		checked++
		if (inTitle.has(ht.title, d) && c.has(ht, d, true)) || (inSummary.has(ht.summary, d) && c.has(ht, d, false)) {
			found++
		}
	}
	if checked == len(all) {
		return found
	}
	return int(math.Round(float64(found) * float64(len(all)) / float64(checked)))
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
func unionOf(lists []postings, words []uint32) []uint32 {
	if len(words) == 1 {
		return lists[words[0]].list()
	}
	all := roaring.New()
	for _, w := range words {
		if p := &lists[w]; p.bm != nil {
			all.Or(p.bm)
		} else {
			all.AddMany(p.ids)
		}
	}
	return all.ToArray()
}

// hasPhrase reports whether the coded words b hold one word of each set
// in a row. It decodes as it goes and stops at the first such place: at
// 1,000,000 documents a phrase of common words has a hundred thousand
// documents to check, and decoding each one's words whole first cost
// twice as much.
func hasPhrase(b []byte, sets [][]uint32) bool {
	// The last words seen, enough for a phrase of up to 8 words; a
	// longer one is checked on all the words decoded.
	var last [8]uint32
	n := len(sets)
	if n > len(last) {
		return followed(decodeWords(nil, b), sets)
	}
	end := sets[n-1]
	seen := 0
	for i := 0; i < len(b); {
		var w uint32
		if c := b[i]; c < 0x80 {
			w = uint32(c)
			i++
		} else {
			v, k := binary.Uvarint(b[i:])
			if k <= 0 {
				return false // not written by appendWords
			}
			w = uint32(v)
			i += k
		}
		last[seen&7] = w
		seen++
		if seen < n || !inSet(end, w) {
			continue
		}
		ok := true
		for j := 0; j < n-1 && ok; j++ {
			ok = inSet(sets[j], last[(seen-n+j)&7])
		}
		if ok {
			return true
		}
	}
	return false
}

// followed reports whether words holds, somewhere, one word of each set
// in a row.
func followed(words []uint32, sets [][]uint32) bool {
	first, n := sets[0], len(sets)
	for start := 0; start+n <= len(words); start++ {
		if !inSet(first, words[start]) {
			continue
		}
		ok := true
		for i := 1; i < n; i++ {
			if !inSet(sets[i], words[start+i]) {
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
