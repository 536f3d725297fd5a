//! Renders the signature table as docs/functions.md (run `cargo run -p stdlib --example gen_functions_doc`).

use super::{groups, normalize_spec, not_compiled, rows, NOT_YET_SUPPORTED};
use std::fmt::Write;

/// The Markdown text of docs/functions.md, generated from the table.
pub fn functions_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Built-in functions\n\n");
    out.push_str(
        "Generated from the signature table in `stdlib/src/builtins/` by \
         `cargo run -p stdlib --example gen_functions_doc`; do not edit by hand.\n\n",
    );
    out.push_str(
        "Types follow the Stan Functions Reference. `reals` is any of `int`, `real`, \
         `array[] int`, `array[] real`, `vector`, `row_vector`; `ints` is `int` or `array[] int`; \
         `vectors` is `vector`, `row_vector` or a 1-d array of either; `T` is any type; \
         `container` is any array, vector, row_vector or matrix. A return type `R` is the type \
         of the first argument with ints promoted to reals, `T` the type of the first argument \
         unchanged. An `_rng` returning `reals` (or `ints`) returns one value when every \
         argument is a scalar and an array otherwise. `data` marks arguments that must be \
         data-only. Distribution functions are written `f(y, theta...)`; call them as \
         `f(y | theta...)`.\n\n",
    );
    let all = rows();
    let names: std::collections::BTreeSet<&str> = all.iter().map(|r| r.name).collect();
    let failing: std::collections::HashSet<(&str, String)> = not_compiled().collect();
    let fails = |row: &super::Row| failing.contains(&(row.name, normalize_spec(&row.spec)));
    let n_failing = all.iter().filter(|r| fails(r)).count();
    let compiled = if n_failing == 0 {
        "all of them compile".to_string()
    } else {
        format!(
            "{} of them compile (a program using one of the other {n_failing} type-checks, \
             then gets \"not supported yet\", E500)",
            all.len() - n_failing
        )
    };
    let _ = writeln!(
        out,
        "{} functions, {} signatures; {compiled}. Whether each compiles is checked by \
         compiling a small model for every signature (`tests/signature_probe.rs`).\n",
        names.len(),
        all.len(),
    );
    for group in groups() {
        let _ = writeln!(out, "## {group}\n");
        let in_group: Vec<&super::Row> = all.iter().filter(|r| r.group == group).collect();
        for (i, row) in in_group.iter().enumerate() {
            let Some(note) = row.doc else { continue };
            // The rows an expander generated after this one (left out of the docs).
            let hidden_failing: Vec<String> = in_group[i + 1..]
                .iter()
                .take_while(|r| r.doc.is_none())
                .filter(|r| fails(r))
                .map(|r| format!("`{}`", normalize_spec(&r.spec)))
                .collect();
            let (args, ret) = row.spec.split_once("->").unwrap_or((row.spec.as_str(), ""));
            let ret = match ret.trim() {
                "R0" => "R".to_string(),
                "S0" => "T".to_string(),
                other => other.to_string(),
            };
            let _ = write!(out, "- `{ret} {}({})`", row.name, args.trim());
            if !note.is_empty() {
                let _ = write!(out, " ({note})");
            }
            if fails(row) {
                out.push_str(" — **does not compile yet**");
            }
            if !hidden_failing.is_empty() {
                let _ = write!(
                    out,
                    " — these forms do not compile yet: {}",
                    hidden_failing.join(", ")
                );
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("## Higher-order functions\n\n");
    out.push_str(
        "`reduce_sum(f, x, grainsize, ...)` and `reduce_sum_static` are supported: the \
         checker types `f(x, 1, size(x), ...)` (a user function returning `real`, called \
         by its `_lpdf`/`_lpmf` or `_lupdf`/`_lupmf` name), and cmod evaluates that one \
         call over the whole array, the sum Stan forms from slices in parallel. The \
         grainsize is accepted and not used.\n\n",
    );
    out.push_str("## Not supported yet\n\n");
    out.push_str("These functions of Stan's give the diagnostic \"not supported yet\":\n\n");
    let mut unsupported: Vec<&str> = NOT_YET_SUPPORTED.to_vec();
    unsupported.sort_unstable();
    let _ = writeln!(
        out,
        "{}",
        unsupported
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}
