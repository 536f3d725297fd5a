//! The one table of built-in function signatures that the type checker reads.
//!
//! Signatures are written in a compact text form, parsed once:
//! `"reals, reals, reals -> real"`. Argument types are Stan's unsized types
//! (`int`, `real`, `vector`, `row_vector`, `matrix`, `array[] real`,
//! `array[,] int`, ...), the vectorization classes `reals`, `ints`,
//! `vectors`, `T` (anything) and `container`, each optionally prefixed by
//! `data`. Return types are a type, `void`, `R0` (the promoted type of
//! argument 0), `S0` (exactly the type of argument 0), `reals` (real, or
//! `array[] real` when any argument is a container: vectorized `_rng`), or
//! `ints` (the same for int).

use crate::types::{Arg, ArgType, BaseType, ReturnType, Signature, UnsizedType};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every signature of every built-in, grouped by name.
pub struct SignatureTable {
    by_name: HashMap<&'static str, Vec<Signature>>,
}

impl SignatureTable {
    /// The signatures of `name`, empty if it is not a built-in.
    pub fn lookup(&self, name: &str) -> &[Signature] {
        self.by_name.get(name).map(|v| v.as_slice()).unwrap_or(&[])
    }
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }
    /// Every built-in name, for "did you mean" suggestions and docs.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }
}

/// The table, built on first use.
pub fn table() -> &'static SignatureTable {
    static TABLE: OnceLock<SignatureTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_name: HashMap<&'static str, Vec<Signature>> = HashMap::new();
        for (name, spec) in crate::builtins::SIGNATURES {
            let sig = parse_signature(name, spec).unwrap_or_else(|e| panic!("bad signature for {name}: {spec}: {e}"));
            by_name.entry(name).or_default().push(sig);
        }
        SignatureTable { by_name }
    })
}

/// Whether `name` is a function of Stan's that cmod does not provide yet
/// (so the checker says "not supported yet" rather than "unknown").
pub fn is_known_unsupported(name: &str) -> bool {
    crate::builtins::NOT_YET_SUPPORTED.contains(&name)
}

/// Parses one signature in the compact text form.
pub fn parse_signature(name: &'static str, spec: &str) -> Result<Signature, String> {
    let (args_text, ret_text) = spec.split_once("->").ok_or("missing `->`")?;
    let args = split_top_level(args_text.trim())
        .iter()
        .map(|piece| parse_arg(piece))
        .collect::<Result<Vec<_>, _>>()?;
    let ret = parse_return(ret_text.trim())?;
    Ok(Signature { name, args, ret })
}

/// Splits an argument list at commas outside brackets (`array[,] int` keeps its comma).
fn split_top_level(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
}

fn parse_arg(text: &str) -> Result<Arg, String> {
    let text = text.trim();
    let (data_only, text) = match text.strip_prefix("data ") {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let ty = match text {
        "reals" => ArgType::Reals,
        "ints" => ArgType::Ints,
        "vectors" => ArgType::Vectors,
        "T" => ArgType::Any,
        "container" => ArgType::AnyContainer,
        other => ArgType::Exact(parse_type(other)?),
    };
    Ok(Arg { ty, data_only })
}

fn parse_return(text: &str) -> Result<ReturnType, String> {
    Ok(match text {
        "void" => ReturnType::Void,
        "reals" => ReturnType::RealOrArray,
        "ints" => ReturnType::IntOrArray,
        t if t.len() == 2 && t.starts_with('R') => ReturnType::PromotedArg(digit(t)?),
        t if t.len() == 2 && t.starts_with('S') => ReturnType::SameAsArg(digit(t)?),
        t => ReturnType::Exact(parse_type(t)?),
    })
}

fn digit(t: &str) -> Result<usize, String> {
    t[1..].parse().map_err(|_| format!("bad argument index in `{t}`"))
}

/// Parses `real`, `vector`, `array[] int`, `array[,,] matrix`, ...
pub fn parse_type(text: &str) -> Result<UnsizedType, String> {
    let text = text.trim();
    let (array_dims, base_text) = match text.strip_prefix("array[") {
        Some(rest) => {
            let close = rest.find(']').ok_or("unclosed `array[`")?;
            (rest[..close].matches(',').count() as u8 + 1, rest[close + 1..].trim())
        }
        None => (0, text),
    };
    let base = match base_text {
        "int" => BaseType::Int,
        "real" => BaseType::Real,
        "vector" => BaseType::Vector,
        "row_vector" => BaseType::RowVector,
        "matrix" => BaseType::Matrix,
        other => return Err(format!("unknown type `{other}`")),
    };
    Ok(UnsizedType { base, array_dims })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_in_the_table_parses() {
        let t = table();
        assert!(t.contains("normal_lpdf"));
    }

    #[test]
    fn multi_dimensional_array_arguments_parse() {
        let s = parse_signature("f", "array[,] real, int -> array[,] real").unwrap();
        assert_eq!(s.args.len(), 2);
        assert_eq!(s.args[0].ty, ArgType::Exact(UnsizedType::array(BaseType::Real, 2)));
        assert_eq!(s.ret, ReturnType::Exact(UnsizedType::array(BaseType::Real, 2)));
    }
}
