//! The front end never panics: 100,000+ mutations of the valid corpus (byte flips, token deletions, truncations, token swaps) go through `compiler::front_end`.
//!
//! Deterministic (fixed seed), split over a few threads. A panic fails the
//! test and prints the mutated source that caused it.

use std::path::{Path, PathBuf};

const MUTATIONS: usize = 100_000;
const SEED: u64 = 0x5eed_cafe_f00d_d00d;

/// SplitMix64: a small, fast, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![root.join("tests/check/valid"), root.join("examples")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "cmod") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Bytes worth flipping to: every piece of punctuation the lexer knows, some letters, digits, whitespace.
const FLIP_TO: &[u8] = b"{}()[]<>=!~+-*/%\\^'.,;:?|&#_\"aTzx019 \n\t@$";

/// The byte ranges of the source's tokens.
fn token_spans(source: &str) -> Vec<(usize, usize)> {
    let (tokens, _) = compiler::syntax::token::lex(source);
    tokens.into_iter().map(|(l, _, r)| (l, r)).collect()
}

/// One random mutation of `source`; always valid UTF-8.
fn mutate(source: &str, rng: &mut Rng) -> String {
    let spans = token_spans(source);
    match rng.below(6) {
        // Byte flip (on an ASCII position, so the text stays UTF-8).
        0 => {
            let mut bytes = source.as_bytes().to_vec();
            let at = rng.below(bytes.len());
            if bytes.get(at).is_some_and(u8::is_ascii) {
                bytes[at] = FLIP_TO[rng.below(FLIP_TO.len())];
            }
            String::from_utf8(bytes).unwrap_or_else(|_| source.to_string())
        }
        // Token deletion.
        1 if !spans.is_empty() => {
            let (l, r) = spans[rng.below(spans.len())];
            format!("{}{}", &source[..l], &source[r..])
        }
        // Truncation at a character boundary.
        2 => {
            let mut at = rng.below(source.len() + 1);
            while !source.is_char_boundary(at) {
                at -= 1;
            }
            source[..at].to_string()
        }
        // Swap of two tokens, neighbours half of the time.
        3 if spans.len() >= 2 => {
            let i = rng.below(spans.len() - 1);
            let j = if rng.below(2) == 0 {
                i + 1
            } else {
                i + 1 + rng.below(spans.len() - i - 1)
            };
            let (a, b) = (spans[i], spans[j]);
            format!(
                "{}{}{}{}{}",
                &source[..a.0],
                &source[b.0..b.1],
                &source[a.1..b.0],
                &source[a.0..a.1],
                &source[b.1..]
            )
        }
        // Duplication of a token somewhere else.
        4 if !spans.is_empty() => {
            let (l, r) = spans[rng.below(spans.len())];
            let (at, _) = spans[rng.below(spans.len())];
            format!("{}{} {}", &source[..at], &source[l..r], &source[at..])
        }
        // Deletion of a run of tokens.
        _ if spans.len() >= 2 => {
            let i = rng.below(spans.len() - 1);
            let j = (i + 1 + rng.below(8)).min(spans.len() - 1);
            format!("{}{}", &source[..spans[i].0], &source[spans[j].1..])
        }
        _ => source.to_string(),
    }
}

/// Runs the front end on `n` mutations; returns the first source that panicked.
fn run(corpus: &[String], seed: u64, n: usize) -> Option<(String, String)> {
    let mut rng = Rng(seed);
    for _ in 0..n {
        let mut source = corpus[rng.below(corpus.len())].clone();
        for _ in 0..1 + rng.below(2) {
            source = mutate(&source, &mut rng);
        }
        let result = std::panic::catch_unwind(|| {
            let out = compiler::front_end(&source);
            // Rendering must not panic either (spans in range, on char boundaries).
            compiler::diagnostics::render(&out.diagnostics, "mutant.cmod", &source, false);
        });
        if let Err(payload) = result {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Some((source, message));
        }
    }
    None
}

#[test]
fn mutations_of_the_valid_corpus_never_panic() {
    let corpus = corpus();
    assert!(corpus.len() >= 60);
    std::panic::set_hook(Box::new(|_| {}));
    let threads = 4;
    let found: Vec<Option<(String, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let corpus = &corpus;
                s.spawn(move || run(corpus, SEED + t as u64, MUTATIONS / threads))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let _ = std::panic::take_hook();
    if let Some((source, message)) = found.into_iter().flatten().next() {
        panic!("the front end panicked ({message}) on this source:\n{source}");
    }
}

/// Deep trees are refused with an error before any recursive pass could overflow the stack.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let sources = |depth: usize| {
        vec![
            format!(
                "transformed data {{ real x = {}1{}; }}",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
            format!("transformed data {{ real x = 1{}; }}", " + 1".repeat(depth)),
            format!("transformed data {{ real x = {}1; }}", "-".repeat(depth)),
            format!(
                "transformed data {{ real x = 1; {} x = 1; }}",
                "if (1) ".repeat(depth)
            ),
            format!(
                "transformed data {{ real x = 1; if (1) x = 1; {} }}",
                "else if (1) x = 1; ".repeat(depth)
            ),
            format!(
                "transformed data {{ real x = 1; {} x = 1; {} }}",
                "{".repeat(depth),
                "}".repeat(depth)
            ),
            format!(
                "transformed data {{ array[2] real x = {}1{}; }}",
                "{".repeat(depth),
                "}".repeat(depth)
            ),
        ]
    };
    // Shallow enough: checked normally, on a 2 MB thread like a test's.
    for (depth, deep) in [(300, false), (3_000, true), (200_000, true)] {
        for source in sources(depth) {
            let diagnostics = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || compiler::front_end(&source).diagnostics)
                .unwrap()
                .join()
                .expect("the front end panicked");
            let too_deep = diagnostics.iter().any(|d| d.code == "E014");
            assert_eq!(too_deep, deep, "depth {depth}: {diagnostics:?}");
        }
    }
    // Long flat lists are not deep.
    let list: Vec<String> = (0..20_000).map(|i| format!("-{i}")).collect();
    let source = format!(
        "transformed data {{ array[20000] int x = {{{}}}; }}",
        list.join(", ")
    );
    assert!(!compiler::front_end(&source).has_errors());
}
