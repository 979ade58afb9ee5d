//! Fitting transcripts into a character budget, fairly, and reading on from where a cut fell.
//!
//! Assistants read responses up to a size limit (ChatGPT: 100,000 characters). When a set of
//! transcripts does not fit, each call gets a fair share (max-min fairness, "water-filling"):
//! calls smaller than the share keep everything, the larger ones split what is left equally.
//! Every cut falls on a turn boundary (after a paragraph's `"\n\n"`), is marked by a visible line
//! in the text, and is reported as a [`TranscriptSlice`] whose `next_offset` the caller passes
//! back (as `offsets`) to get the rest. Offsets count characters (Unicode scalar values), as the
//! limit does, never bytes.
//!
//! Sharing works a turn at a time: the call with the least text so far gets its next turn while
//! it fits. That is water-filling at turn granularity, so no budget a whole turn could use is
//! left idle, and every call gets its first turn whenever the budget holds
//! [`min_budget`] — one marker plus the longest first turn per call.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::CleanTranscript;

/// How text is counted against a budget.
///
/// A budget usually limits a whole JSON response, where a newline costs two characters (`\n`)
/// and a quote two (`\"`); counting the escaped form keeps such a response inside its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Characters of the text itself (for Markdown or plain text).
    Chars,
    /// Characters the text takes inside a JSON string, as `serde_json` writes it.
    JsonString,
}

impl Measure {
    /// The cost of `text` under this measure.
    pub fn cost(self, text: &str) -> usize {
        self.chars_and_cost(text).1
    }

    /// Characters in `text` and its cost, in one pass over its bytes.
    fn chars_and_cost(self, text: &str) -> (usize, usize) {
        match self {
            Measure::Chars => {
                let chars = text.chars().count();
                (chars, chars)
            }
            Measure::JsonString => {
                let (chars, extra) = chars_and_json_extra(text.as_bytes());
                (chars, chars + extra)
            }
        }
    }
}

/// Characters (UTF-8 bytes that are not continuation bytes) and the extra characters a JSON
/// string needs for `bytes`, in one pass. Every character that costs more than one is ASCII,
/// and UTF-8 continuation and lead bytes are all >= 0x80, so both sums are per byte; counting
/// blocks of bytes into `u8` sums without branches or table look-ups lets the compiler use
/// vector instructions (this runs over every transcript of every response).
fn chars_and_json_extra(bytes: &[u8]) -> (usize, usize) {
    /// Bytes per block: at most five extra per byte, times this, stays below 256, so the
    /// block sums fit in a `u8`.
    const BLOCK: usize = 32;
    let mut chars = 0usize;
    let mut extra = 0usize;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for block in &mut blocks {
        let (mut c, mut e) = (0u8, 0u8);
        for &b in block {
            c += u8::from(is_char_start(b));
            e += json_extra(b);
        }
        chars += usize::from(c);
        extra += usize::from(e);
    }
    for &b in blocks.remainder() {
        chars += usize::from(is_char_start(b));
        extra += usize::from(json_extra(b));
    }
    (chars, extra)
}

/// Whether `b` starts a character (is not a UTF-8 continuation byte `0b10xx_xxxx`).
fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// Extra characters byte `b` takes in a JSON string written by `serde_json` (which leaves
/// non-ASCII as is): `\"`, `\\` and the short escapes (`\n`, `\r`, `\t`, `\b`, `\f`) add one,
/// other control bytes (`\u00XX`) five. Branch-free, so blocks of bytes vectorize.
fn json_extra(b: u8) -> u8 {
    let control = u8::from(b < 0x20);
    let short = u8::from((b == b'\n') | (b == b'\r') | (b == b'\t') | (b == 0x08) | (b == 0x0c));
    let quoted = u8::from((b == b'"') | (b == b'\\'));
    control * 5 - short * 4 + quoted
}

/// What part of one call's transcript a response carries, so the caller can ask for the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptSlice {
    /// Gong call id.
    pub call_id: String,
    /// Characters in the call's whole transcript.
    pub total_chars: usize,
    /// Character offset this response starts at (0 unless an offset was requested).
    pub offset: usize,
    /// Characters of transcript in this response, from `offset` on (the cut marker not counted).
    pub returned_chars: usize,
    /// Where to continue (pass it in `offsets` for this call id); `null` when nothing is left.
    pub next_offset: Option<usize>,
}

impl TranscriptSlice {
    /// Whether part of the call's transcript after this slice was left out.
    pub fn is_cut(&self) -> bool {
        self.next_offset.is_some()
    }
}

/// Transcripts fitted into a budget, with one [`TranscriptSlice`] per transcript, same order.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The transcripts; a cut one's `content` ends with the [`cut_marker`] line.
    pub transcripts: Vec<CleanTranscript>,
    /// What each transcript carries.
    pub slices: Vec<TranscriptSlice>,
}

impl Fitted {
    /// Whether any transcript was cut.
    pub fn is_cut(&self) -> bool {
        self.slices.iter().any(TranscriptSlice::is_cut)
    }
}

/// The line appended to a cut transcript: what was shown and how to read on.
///
/// Shown characters are `offset..next_offset` of `total`; numbers get thousands separators for
/// people, the offsets object is ready to paste.
pub fn cut_marker(call_id: &str, offset: usize, next_offset: usize, total: usize) -> String {
    format!(
        "[… transcript cut here: characters {} to {} of {} shown. To read on, call again with offsets {{{call_id:?}: {next_offset}}}]\n",
        thousands(offset),
        thousands(next_offset),
        thousands(total),
    )
}

/// `n` with a comma every three digits (`56,789`).
fn thousands(n: usize) -> String {
    group_thousands(&n.to_string())
}

/// A run of digits with a comma every three from the right (`"56789"` gives `"56,789"`). One
/// formatter for every number a reader sees: offsets in cut markers, amounts in briefings.
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Character offsets where turns end in `content`: after every `"\n\n"`, and at the end.
/// Every offset callbrief hands out is one of these (or 0).
pub fn turn_boundaries(content: &str) -> Vec<usize> {
    scan(content, Measure::Chars)
        .iter()
        .scan(0, |end, turn| {
            *end += turn.chars;
            Some(*end)
        })
        .collect()
}

/// `content` split into turns, each ending with its `"\n\n"` (the last one may not).
fn turns(content: &str) -> impl Iterator<Item = &str> {
    let mut rest = content;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = paragraph_end(rest).map_or(rest.len(), |i| i + 2);
        let (turn, tail) = rest.split_at(end);
        rest = tail;
        Some(turn)
    })
}

/// The byte index of the first `"\n\n"` in `text`: `text.find("\n\n")`, but searching for
/// single newlines (a fast byte search) and checking the byte after, which is several times
/// faster on transcripts, where nearly every newline is half of a paragraph break.
fn paragraph_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find('\n') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'\n') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The size of one turn, as a budget counts it.
#[derive(Debug, Clone, Copy)]
struct Turn {
    bytes: usize,
    chars: usize,
    cost: usize,
}

/// Each turn of `text` measured, in one pass over the text per turn (the split included).
fn scan(text: &str, measure: Measure) -> Vec<Turn> {
    turns(text)
        .map(|turn| {
            let (chars, cost) = measure.chars_and_cost(turn);
            Turn {
                bytes: turn.len(),
                chars,
                cost,
            }
        })
        .collect()
}

/// The byte index of character `offset` in `text` (its length when `offset` is past the end).
fn byte_index(text: &str, offset: usize) -> usize {
    text.char_indices()
        .nth(offset)
        .map_or(text.len(), |(byte, _)| byte)
}

/// The smallest budget in which every transcript (from its offset on) shows at least its first
/// turn when they cannot all be shown whole: per call, its longest possible marker plus its
/// first turn.
pub fn min_budget(
    transcripts: &[CleanTranscript],
    offsets: &HashMap<String, usize>,
    measure: Measure,
) -> usize {
    transcripts
        .iter()
        .map(|t| {
            let remaining = Remaining::new(t, offsets, measure);
            match remaining.turns.first() {
                Some(turn) => remaining.marker_cost + turn.cost,
                None => 0,
            }
        })
        .sum()
}

/// Skips the first `offsets[call_id]` characters of each transcript (an offset past the end
/// leaves it empty), without any budget. Ids without an offset start at 0.
pub fn apply_offsets(
    transcripts: Vec<CleanTranscript>,
    offsets: &HashMap<String, usize>,
) -> Fitted {
    fit(transcripts, offsets, usize::MAX, Measure::Chars)
}

/// One transcript from its offset on, split into turns.
struct Remaining {
    total_chars: usize,
    offset: usize,
    /// Byte index of `offset` in the content.
    start_byte: usize,
    turns: Vec<Turn>,
    /// Cost of the longest marker this transcript could need.
    marker_cost: usize,
    /// How the turns were counted.
    measure: Measure,
}

impl Remaining {
    fn new(t: &CleanTranscript, offsets: &HashMap<String, usize>, measure: Measure) -> Remaining {
        let requested = offsets.get(&t.call_id).copied().unwrap_or(0);
        let (total_chars, offset, start_byte, turns) = if requested == 0 {
            // The usual case: one scan gives the turns and, summed, the total.
            let turns = scan(&t.content, measure);
            let total_chars = turns.iter().map(|turn| turn.chars).sum();
            (total_chars, 0, 0, turns)
        } else {
            let total_chars = t.content.chars().count();
            let offset = requested.min(total_chars);
            let start_byte = byte_index(&t.content, offset);
            let turns = scan(&t.content[start_byte..], measure);
            (total_chars, offset, start_byte, turns)
        };
        // Shown numbers never exceed the total, so this marker is the longest possible.
        let marker_cost = measure.cost(&cut_marker(
            &t.call_id,
            total_chars,
            total_chars,
            total_chars,
        ));
        Remaining {
            total_chars,
            offset,
            start_byte,
            turns,
            marker_cost,
            measure,
        }
    }

    fn cost(&self) -> usize {
        self.turns.iter().map(|turn| turn.cost).sum()
    }
}

/// Transcripts measured once for a budget: split into turns from their offsets on, each turn's
/// characters and cost counted. Lets a caller learn the totals (e.g. to size a truncation
/// report) and then fit, without counting the texts twice.
pub struct Measured {
    transcripts: Vec<CleanTranscript>,
    remaining: Vec<Remaining>,
}

impl Measured {
    /// Measures `transcripts`, each read from `offsets[call_id]` (characters; 0 when absent),
    /// counting text as `measure` does.
    pub fn new(
        transcripts: Vec<CleanTranscript>,
        offsets: &HashMap<String, usize>,
        measure: Measure,
    ) -> Measured {
        let remaining = transcripts
            .iter()
            .map(|t| Remaining::new(t, offsets, measure))
            .collect();
        Measured {
            transcripts,
            remaining,
        }
    }

    /// The transcripts, whole and in order, as given.
    pub fn transcripts(&self) -> &[CleanTranscript] {
        &self.transcripts
    }

    /// Characters in each whole transcript (offsets ignored), in order.
    pub fn total_chars(&self) -> impl Iterator<Item = usize> + '_ {
        self.remaining.iter().map(|r| r.total_chars)
    }

    /// [`fit`] on the measured transcripts.
    pub fn fit(self, budget: usize) -> Fitted {
        let Measured {
            transcripts,
            remaining,
        } = self;
        let whole: usize = remaining.iter().map(Remaining::cost).sum();
        let plan = if whole <= budget {
            Plan {
                taken: remaining.iter().map(|r| r.turns.len()).collect(),
                marked: vec![false; remaining.len()],
            }
        } else {
            share(&remaining, budget)
        };
        assemble(transcripts, &remaining, &plan)
    }
}

/// What one turn of a transcript is worth when the transcript must be cut, and when it was
/// said (for the time range of what is left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnMark {
    /// Milliseconds from the call's start to the turn.
    pub start_ms: u64,
    /// Milliseconds from the call's start to the turn's end.
    pub end_ms: u64,
    /// Higher is kept first; equal weights keep the earlier turn first.
    pub weight: u32,
}

/// The line that stands where turns were left out of a transcript: the stretch of the call it
/// covers and how to read it.
/// `offset..end` are the characters left out, of `total`.
pub fn gap_marker(
    call_id: &str,
    (from_ms, to_ms): (u64, u64),
    (offset, end): (usize, usize),
    total: usize,
) -> String {
    format!(
        "[… {} to {} left out here (characters {} to {} of {}). To read from here, call again with offsets {{{call_id:?}: {offset}}}]\n\n",
        crate::clock(from_ms),
        crate::clock(to_ms),
        thousands(offset),
        thousands(end),
        thousands(total),
    )
}

impl Measured {
    /// Like [`Measured::fit`], but a transcript that must be cut keeps its most valuable turns
    /// (by `marks[call_id]`, one [`TurnMark`] per turn) instead of only its opening, in spoken
    /// order, with a [`gap_marker`] wherever turns were left out. Each transcript gets the same
    /// share of the budget as with [`Measured::fit`]. A transcript read from an offset, or
    /// without a mark for every turn, is cut as [`Measured::fit`] cuts it: reading on is
    /// reading in order.
    pub fn fit_selecting(self, budget: usize, marks: &HashMap<String, Vec<TurnMark>>) -> Fitted {
        let Measured {
            transcripts,
            remaining,
        } = self;
        let whole: usize = remaining.iter().map(Remaining::cost).sum();
        if whole <= budget {
            let plan = Plan {
                taken: remaining.iter().map(|r| r.turns.len()).collect(),
                marked: vec![false; remaining.len()],
            };
            return assemble(transcripts, &remaining, &plan);
        }
        let plan = share(&remaining, budget);
        let mut slices = Vec::with_capacity(transcripts.len());
        let transcripts = transcripts
            .into_iter()
            .zip(&remaining)
            .enumerate()
            .map(|(i, (t, r))| {
                let (k, marked) = (plan.taken[i], plan.marked[i]);
                let selectable = k < r.turns.len()
                    && marked
                    && r.offset == 0
                    && marks
                        .get(&t.call_id)
                        .is_some_and(|m| m.len() == r.turns.len());
                if selectable {
                    let allowance =
                        r.turns[..k].iter().map(|turn| turn.cost).sum::<usize>() + r.marker_cost;
                    if let Some((t, slice)) = select(&t, r, &marks[&t.call_id], allowance) {
                        slices.push(slice);
                        return t;
                    }
                }
                let (t, slice) = assemble_one(t, r, k, marked);
                slices.push(slice);
                t
            })
            .collect();
        Fitted {
            transcripts,
            slices,
        }
    }
}

/// The turns of one transcript (read from its start) worth most within `allowance`, gaps
/// marked; `None` when not even one turn and its gap markers fit.
fn select(
    t: &CleanTranscript,
    r: &Remaining,
    marks: &[TurnMark],
    allowance: usize,
) -> Option<(CleanTranscript, TranscriptSlice)> {
    let n = r.turns.len();
    let measure = r.measure;
    let last_ms = marks.iter().map(|m| m.end_ms).max().unwrap_or(0);
    // The longest gap marker this transcript could need: the largest time and offset.
    let gap_cost = measure.cost(&gap_marker(
        &t.call_id,
        (last_ms, last_ms),
        (r.total_chars, r.total_chars),
        r.total_chars,
    ));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&k| (Reverse(marks[k].weight), k));
    let mut kept = vec![false; n];
    // Nothing kept yet: one gap covers the whole transcript.
    let mut cost = gap_cost;
    for k in order {
        let left_gap = k > 0 && !kept[k - 1];
        let right_gap = k + 1 < n && !kept[k + 1];
        // Keeping turn k splits the gap it is in into the parts left and right of it.
        let gaps_after = usize::from(left_gap) + usize::from(right_gap);
        let next = (cost + r.turns[k].cost + gaps_after * gap_cost).checked_sub(gap_cost)?;
        if next <= allowance {
            kept[k] = true;
            cost = next;
        }
    }
    if !kept.iter().any(|&k| k) {
        return None;
    }
    let mut content = String::new();
    let mut byte = 0usize;
    let mut chars = 0usize;
    let mut returned = 0usize;
    let mut first_gap: Option<usize> = None;
    let mut k = 0;
    while k < n {
        if kept[k] {
            let turn = r.turns[k];
            content.push_str(&t.content[byte..byte + turn.bytes]);
            byte += turn.bytes;
            chars += turn.chars;
            returned += turn.chars;
            k += 1;
            continue;
        }
        let from = k;
        let offset = chars;
        while k < n && !kept[k] {
            byte += r.turns[k].bytes;
            chars += r.turns[k].chars;
            k += 1;
        }
        first_gap.get_or_insert(offset);
        content.push_str(&gap_marker(
            &t.call_id,
            (marks[from].start_ms, marks[k - 1].end_ms),
            (offset, chars),
            r.total_chars,
        ));
    }
    let slice = TranscriptSlice {
        call_id: t.call_id.clone(),
        total_chars: r.total_chars,
        offset: 0,
        returned_chars: returned,
        next_offset: first_gap,
    };
    Some((
        CleanTranscript {
            content,
            ..t.clone()
        },
        slice,
    ))
}

/// Fits `transcripts`, each read from `offsets[call_id]` (characters; 0 when absent), into
/// `budget` as counted by `measure`: the returned contents, markers included, never cost more
/// than `budget` together. When everything fits nothing is cut and no marker is added.
pub fn fit(
    transcripts: Vec<CleanTranscript>,
    offsets: &HashMap<String, usize>,
    budget: usize,
    measure: Measure,
) -> Fitted {
    Measured::new(transcripts, offsets, measure).fit(budget)
}

/// How many turns each transcript keeps, and which ones carry a cut marker.
struct Plan {
    taken: Vec<usize>,
    marked: Vec<bool>,
}

/// How many turns each transcript keeps when they do not all fit: max-min fair at turn
/// granularity, with room kept for a marker on every transcript that ends up cut.
fn share(remaining: &[Remaining], budget: usize) -> Plan {
    let n = remaining.len();
    // Room for a marker on every transcript with something to show, in order, while it fits;
    // a transcript that gets no marker room gets no text (a cut must always be marked).
    let mut has_marker = vec![false; n];
    let mut avail = budget;
    for (i, r) in remaining.iter().enumerate() {
        if !r.turns.is_empty() && r.marker_cost <= avail {
            avail -= r.marker_cost;
            has_marker[i] = true;
        }
    }
    let mut taken = vec![0usize; n];
    let mut spent = vec![0usize; n];
    loop {
        fill(remaining, &has_marker, &mut taken, &mut spent, &mut avail);
        // A transcript that turned out whole needs no marker: its room goes back to the rest.
        let mut released = false;
        for (i, r) in remaining.iter().enumerate() {
            if has_marker[i] && taken[i] == r.turns.len() {
                has_marker[i] = false;
                avail += r.marker_cost;
                released = true;
            }
        }
        if !released {
            return Plan {
                taken,
                marked: has_marker,
            };
        }
    }
}

/// Gives turns to the transcript with the least text so far, while its next turn fits in `avail`.
fn fill(
    remaining: &[Remaining],
    has_marker: &[bool],
    taken: &mut [usize],
    spent: &mut [usize],
    avail: &mut usize,
) {
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = remaining
        .iter()
        .enumerate()
        .filter(|&(i, r)| has_marker[i] && taken[i] < r.turns.len())
        .map(|(i, _)| Reverse((spent[i], i)))
        .collect();
    while let Some(Reverse((_, i))) = heap.pop() {
        let cost = remaining[i].turns[taken[i]].cost;
        if cost > *avail {
            continue;
        }
        *avail -= cost;
        spent[i] += cost;
        taken[i] += 1;
        if taken[i] < remaining[i].turns.len() {
            heap.push(Reverse((spent[i], i)));
        }
    }
}

/// Cuts each transcript after its planned turns and marks the cuts that have room for it (a
/// transcript without room for a marker carries no text, so no unmarked cut is ever shown).
/// Cuts happen in place: the text kept is not copied.
fn assemble(transcripts: Vec<CleanTranscript>, remaining: &[Remaining], plan: &Plan) -> Fitted {
    let mut slices = Vec::with_capacity(transcripts.len());
    let transcripts = transcripts
        .into_iter()
        .zip(remaining)
        .zip(plan.taken.iter().zip(&plan.marked))
        .map(|((t, r), (&k, &marked))| {
            let (t, slice) = assemble_one(t, r, k, marked);
            slices.push(slice);
            t
        })
        .collect();
    Fitted {
        transcripts,
        slices,
    }
}

/// One transcript cut after its first `k` turns, with a cut marker when `marked`.
fn assemble_one(
    mut t: CleanTranscript,
    r: &Remaining,
    k: usize,
    marked: bool,
) -> (CleanTranscript, TranscriptSlice) {
    let bytes: usize = r.turns[..k].iter().map(|turn| turn.bytes).sum();
    let chars: usize = r.turns[..k].iter().map(|turn| turn.chars).sum();
    let end = r.offset + chars;
    let cut = k < r.turns.len();
    // Both ends are character boundaries: the offset's byte index and a turn's end.
    t.content.truncate(r.start_byte + bytes);
    t.content.drain(..r.start_byte);
    if cut && marked {
        t.content
            .push_str(&cut_marker(&t.call_id, r.offset, end, r.total_chars));
    }
    let slice = TranscriptSlice {
        call_id: t.call_id.clone(),
        total_chars: r.total_chars,
        offset: r.offset,
        returned_chars: chars,
        next_offset: cut.then_some(end),
    };
    (t, slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, content: &str) -> CleanTranscript {
        CleanTranscript {
            call_id: id.into(),
            title: None,
            started: None,
            duration: None,
            url: None,
            content: content.into(),
            speakers: Vec::new(),
        }
    }

    fn turns_of(n: usize, len: usize, who: &str) -> String {
        (0..n)
            .map(|i| format!("{who}: {}\n\n", "x".repeat(len.saturating_sub(i % 3))))
            .collect()
    }

    fn cost(f: &Fitted, m: Measure) -> usize {
        f.transcripts.iter().map(|t| m.cost(&t.content)).sum()
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(56789), "56,789");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn digit_runs_longer_than_any_usize_are_grouped_too() {
        assert_eq!(group_thousands(""), "");
        assert_eq!(group_thousands("12"), "12");
        assert_eq!(
            group_thousands("123456789012345678901234"),
            "123,456,789,012,345,678,901,234"
        );
    }

    #[test]
    fn marker_names_the_numbers_and_the_offsets_object() {
        let m = cut_marker("7782342274025937895", 0, 12345, 56789);
        assert_eq!(
            m,
            "[… transcript cut here: characters 0 to 12,345 of 56,789 shown. To read on, call again with offsets {\"7782342274025937895\": 12345}]\n"
        );
    }

    /// Extra characters per byte in a JSON string written by `serde_json`, as a table: the
    /// specification `json_extra` computes without look-ups.
    const JSON_EXTRA: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 0x20 {
            table[b] = 5;
            b += 1;
        }
        table[b'"' as usize] = 1;
        table[b'\\' as usize] = 1;
        table[b'\n' as usize] = 1;
        table[b'\r' as usize] = 1;
        table[b'\t' as usize] = 1;
        table[0x08] = 1;
        table[0x0c] = 1;
        table
    };

    #[test]
    fn json_extra_matches_the_table_for_every_byte() {
        for b in 0..=u8::MAX {
            assert_eq!(json_extra(b), JSON_EXTRA[usize::from(b)], "byte {b:#04x}");
        }
    }

    #[test]
    fn block_counts_match_a_byte_at_a_time() {
        let text = "Ann: \"hi\"\n\n\\ \t\u{1f}é€😀 ".repeat(13);
        for end in 0..text.len() {
            let bytes = &text.as_bytes()[..end];
            let chars = bytes.iter().filter(|&&b| is_char_start(b)).count();
            let extra: usize = bytes
                .iter()
                .map(|&b| usize::from(JSON_EXTRA[usize::from(b)]))
                .sum();
            assert_eq!(
                chars_and_json_extra(bytes),
                (chars, extra),
                "first {end} bytes"
            );
        }
    }

    #[test]
    fn json_measure_counts_escapes() {
        assert_eq!(Measure::Chars.cost("a\n\"é"), 4);
        assert_eq!(Measure::JsonString.cost("a\n\"é"), 6);
        assert_eq!(Measure::JsonString.cost("\u{1}"), 6);
        let s = "Ann: \"hi\"\n\n\\ \t\u{1f}é";
        let encoded = serde_json::to_string(s).unwrap();
        assert_eq!(Measure::JsonString.cost(s), encoded.chars().count() - 2);
    }

    #[test]
    fn boundaries_follow_paragraphs() {
        assert_eq!(turn_boundaries("A: x\n\nB: yz\n\n"), vec![6, 13]);
        assert_eq!(turn_boundaries("A: x\n\nB: tail"), vec![6, 13]);
        assert_eq!(turn_boundaries(""), Vec::<usize>::new());
        assert_eq!(turn_boundaries("é\n\n"), vec![3]);
    }

    #[test]
    fn everything_fits_untouched() {
        let ts = vec![call("1", "A: a\n\n"), call("2", "B: b\n\n")];
        let f = fit(ts.clone(), &HashMap::new(), 12, Measure::Chars);
        assert_eq!(f.transcripts, ts);
        assert!(!f.is_cut());
        assert_eq!(f.slices[0].returned_chars, 6);
        assert_eq!(f.slices[1].next_offset, None);
    }

    #[test]
    fn small_calls_keep_everything_large_ones_share_the_rest() {
        let small = turns_of(3, 20, "S");
        let big1 = turns_of(200, 100, "B");
        let big2 = turns_of(200, 100, "C");
        let ts = vec![call("1", &big1), call("2", &small), call("3", &big2)];
        let budget = 6_000;
        let f = fit(ts, &HashMap::new(), budget, Measure::Chars);
        assert!(cost(&f, Measure::Chars) <= budget);
        assert_eq!(f.slices[1].next_offset, None, "the small call is whole");
        assert_eq!(f.transcripts[1].content, small);
        let (a, c) = (f.slices[0].returned_chars, f.slices[2].returned_chars);
        assert!(a.abs_diff(c) <= 105, "{a} vs {c}");
        assert!(a > 2_000 && c > 2_000);
        let tail = format!("\"1\": {a}}}]\n");
        assert!(f.transcripts[0].content.ends_with(&tail));
        assert_eq!(f.slices[0].next_offset, Some(a));
    }

    #[test]
    fn offsets_resume_and_past_the_end_is_empty() {
        let content = "A: one\n\nB: two\n\nC: three\n\n";
        let offsets = HashMap::from([("1".to_string(), 8), ("2".to_string(), 999)]);
        let f = apply_offsets(vec![call("1", content), call("2", content)], &offsets);
        assert_eq!(f.transcripts[0].content, "B: two\n\nC: three\n\n");
        assert_eq!(f.slices[0].offset, 8);
        assert_eq!(f.slices[0].returned_chars, content.len() - 8);
        assert_eq!(f.transcripts[1].content, "");
        assert_eq!(f.slices[1].offset, content.len());
        assert_eq!(f.slices[1].next_offset, None);
    }

    #[test]
    fn a_budget_too_small_for_any_marker_returns_nothing() {
        let ts = vec![call("1", &turns_of(10, 50, "A"))];
        let f = fit(ts, &HashMap::new(), 10, Measure::Chars);
        assert_eq!(f.transcripts[0].content, "");
        assert_eq!(f.slices[0].returned_chars, 0);
        assert_eq!(f.slices[0].next_offset, Some(0));
    }

    #[test]
    fn first_turn_for_everyone_at_min_budget() {
        let ts: Vec<_> = (0..5)
            .map(|i| call(&i.to_string(), &turns_of(30, 40 + i * 10, "P")))
            .collect();
        let min = min_budget(&ts, &HashMap::new(), Measure::JsonString);
        let f = fit(ts, &HashMap::new(), min, Measure::JsonString);
        assert!(f.slices.iter().all(|s| s.returned_chars > 0));
        assert!(cost(&f, Measure::JsonString) <= min);
    }
}
