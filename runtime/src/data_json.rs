//! Data in: reads CmdStan's JSON data format into a tree of values that keeps int literals apart from reals.
//!
//! The reader is a small recursive-descent JSON parser rather than serde_json,
//! for three things CmdStan's format needs and serde_json does not give: the
//! line of each top-level variable (so messages can point into the file),
//! whether each number was written as an integer literal (including integers
//! too large for `i64`), and the bare `NaN`, `Infinity` and `-Infinity` that
//! CmdStan's reader (rapidjson with NaN/Inf parsing) accepts. The strings
//! `"inf"`, `"+inf"`, `"-inf"`, `"Infinity"`, `"-Infinity"` and `"NaN"` (any
//! letter case) are read as the numbers they name.
//!
//! Reading checks only the syntax. Whether the values fit the model's data
//! block is the compiler's business (`compiler::data`), so anything that is not
//! a number or an array (a string, `true`, `null`, an object) is kept as
//! [`JsonValue::Other`] for the validator to report against the declaration.

use std::fmt;

/// Arrays nested deeper than this are refused (no Stan type needs more than a few levels).
pub const MAX_DEPTH: usize = 64;

/// One value of a data file.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    /// A number written as an integer literal (no `.`, no exponent).
    Int(i64),
    /// An integer literal outside `i64`'s range, as written.
    BigInt(String),
    /// A number written with a `.` or an exponent, or one of the infinity and NaN spellings.
    Real(f64),
    Array(Vec<JsonValue>),
    /// Anything else, described for messages: `the string "abc"`, `true`, `null`, `an object`.
    Other(String),
}

/// One top-level variable of a data file.
#[derive(Debug, Clone, PartialEq)]
pub struct DataEntry {
    pub name: String,
    pub value: JsonValue,
    /// The 1-based line of the variable's name in the file.
    pub line: usize,
}

/// A data file: its variables in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFile {
    pub variables: Vec<DataEntry>,
}

impl DataFile {
    pub fn get(&self, name: &str) -> Option<&DataEntry> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// Why a data file could not be read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFileError {
    pub kind: DataFileErrorKind,
    /// 1-based line and column (in characters) of the problem.
    pub line: usize,
    pub column: usize,
    /// Byte offset of the problem in the text.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DataFileErrorKind {
    /// The text is not valid JSON; the message says what was expected.
    Syntax(String),
    /// The top-level value is not an object `{ "name": value, ... }`.
    NotAnObject,
    /// A variable appears twice.
    Duplicate { name: String, first_line: usize },
    /// Arrays are nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for DataFileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataFileErrorKind::Syntax(message) => write!(f, "{message}"),
            DataFileErrorKind::NotAnObject => write!(
                f,
                "a data file must be a JSON object: {{ \"name\": value, ... }}"
            ),
            DataFileErrorKind::Duplicate { name, first_line } => {
                write!(f, "`{name}` appears twice (first on line {first_line})")
            }
            DataFileErrorKind::TooDeep => {
                write!(f, "arrays are nested more than {MAX_DEPTH} levels deep")
            }
        }
    }
}

impl fmt::Display for DataFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.kind
        )
    }
}

impl std::error::Error for DataFileError {}

/// Reads the text of a CmdStan JSON data file.
pub fn read_data_json(text: &str) -> Result<DataFile, DataFileError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    parser.skip_whitespace();
    if parser.pos == 0 && text.starts_with('\u{feff}') {
        parser.pos = 3;
        parser.skip_whitespace();
    }
    if parser.peek().is_none() {
        return Err(parser.error_at(
            parser.pos,
            DataFileErrorKind::Syntax(
                "the file is empty; a data file with no variables is written {}".into(),
            ),
        ));
    }
    if parser.peek() != Some(b'{') {
        return Err(parser.error_at(parser.pos, DataFileErrorKind::NotAnObject));
    }
    parser.pos += 1;
    let mut file = DataFile::default();
    parser.skip_whitespace();
    if parser.peek() == Some(b'}') {
        parser.pos += 1;
    } else {
        loop {
            parser.skip_whitespace();
            let key_offset = parser.pos;
            if parser.peek() == Some(b'}') && !file.variables.is_empty() {
                return Err(parser.syntax(
                    key_offset,
                    "JSON allows no comma after the last variable; remove the `,` before this `}`",
                ));
            }
            if parser.peek() != Some(b'"') {
                return Err(parser.syntax(key_offset, "expected a variable name in double quotes"));
            }
            let name = parser.string()?;
            let line = parser.line_col(key_offset).0;
            parser.expect_colon()?;
            let value = parser.value(1)?;
            if let Some(first) = file.get(&name) {
                return Err(parser.error_at(
                    key_offset,
                    DataFileErrorKind::Duplicate {
                        name,
                        first_line: first.line,
                    },
                ));
            }
            file.variables.push(DataEntry { name, value, line });
            parser.skip_whitespace();
            match parser.peek() {
                Some(b',') => parser.pos += 1,
                Some(b'}') => {
                    parser.pos += 1;
                    break;
                }
                _ => return Err(parser.syntax(parser.pos, "expected `,` or `}` after a value")),
            }
        }
    }
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.syntax(parser.pos, "unexpected text after the closing `}`"));
    }
    Ok(file)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    fn error_at(&self, offset: usize, kind: DataFileErrorKind) -> DataFileError {
        let (line, column) = self.line_col(offset);
        DataFileError {
            kind,
            line,
            column,
            offset: offset.min(self.text.len()),
        }
    }

    fn syntax(&self, offset: usize, message: &str) -> DataFileError {
        let message = if offset >= self.bytes.len() {
            format!("{message}, but the file ends here")
        } else {
            message.to_string()
        };
        self.error_at(offset, DataFileErrorKind::Syntax(message))
    }

    fn expect_colon(&mut self) -> Result<(), DataFileError> {
        self.skip_whitespace();
        if self.peek() == Some(b':') {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(self.pos, "expected `:` after the variable name"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonValue, DataFileError> {
        self.skip_whitespace();
        let start = self.pos;
        if depth > MAX_DEPTH {
            return Err(self.error_at(start, DataFileErrorKind::TooDeep));
        }
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(JsonValue::Array(items));
                }
                loop {
                    self.skip_whitespace();
                    if self.peek() == Some(b']') && !items.is_empty() {
                        return Err(self.syntax(
                            self.pos,
                            "JSON allows no comma after the last array element; remove the `,` before this `]`",
                        ));
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(JsonValue::Array(items));
                        }
                        _ => {
                            return Err(
                                self.syntax(self.pos, "expected `,` or `]` after an array element")
                            )
                        }
                    }
                }
            }
            Some(b'{') => {
                // Not a data value, but parsed so that a syntax error inside is reported as one.
                self.pos += 1;
                self.skip_whitespace();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(JsonValue::Other("an object".into()));
                }
                loop {
                    self.skip_whitespace();
                    if self.peek() != Some(b'"') {
                        return Err(self.syntax(self.pos, "expected a name in double quotes"));
                    }
                    self.string()?;
                    self.expect_colon()?;
                    self.value(depth + 1)?;
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(JsonValue::Other("an object".into()));
                        }
                        _ => return Err(self.syntax(self.pos, "expected `,` or `}` after a value")),
                    }
                }
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(special_number(&s)
                    .map(JsonValue::Real)
                    .unwrap_or_else(|| JsonValue::Other(format!("the string \"{s}\""))))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'+' => {
                let word_end = self.bytes[self.pos..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'+' || *c == b'-'))
                    .map_or(self.bytes.len(), |n| self.pos + n);
                let word = &self.text[self.pos..word_end];
                let value =
                    match word {
                        "true" | "false" | "null" => JsonValue::Other(word.to_string()),
                        "NaN" | "Infinity" | "Inf" => {
                            JsonValue::Real(special_number(word).unwrap_or(f64::NAN))
                        }
                        _ => return Err(self.syntax(
                            start,
                            "expected a value (a number, an array, or a string such as \"inf\")",
                        )),
                    };
                self.pos = word_end;
                Ok(value)
            }
            _ => Err(self.syntax(
                start,
                "expected a value (a number, an array, or a string such as \"inf\")",
            )),
        }
    }

    /// A JSON number, or the bare `-Infinity`/`-Inf`/`-NaN`.
    fn number(&mut self) -> Result<JsonValue, DataFileError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            let rest = &self.text[self.pos..];
            for word in ["Infinity", "Inf", "NaN"] {
                if rest.starts_with(word)
                    && !rest[word.len()..]
                        .bytes()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    self.pos += word.len();
                    return Ok(JsonValue::Real(-special_number(word).unwrap_or(f64::NAN)));
                }
            }
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - from
        };
        let int_start = self.pos;
        let n_int = digits(self);
        if n_int == 0 {
            return Err(self.syntax(self.pos, "expected a digit"));
        }
        if n_int > 1 && self.bytes[int_start] == b'0' {
            return Err(self.syntax(int_start, "numbers may not start with 0 in JSON"));
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.syntax(self.pos, "expected a digit after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.syntax(self.pos, "expected a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if integral {
            Ok(match text.parse::<i64>() {
                Ok(i) => JsonValue::Int(i),
                Err(_) => JsonValue::BigInt(text.to_string()),
            })
        } else {
            // The grammar above accepts only what Rust's float parser accepts.
            Ok(JsonValue::Real(text.parse::<f64>().unwrap_or(f64::NAN)))
        }
    }

    /// A string starting at the opening quote, with its escapes decoded.
    fn string(&mut self) -> Result<String, DataFileError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.syntax(open, "this string is never closed"));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let escape_at = self.pos;
                    self.pos += 1;
                    let decoded = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let high = self.hex4(escape_at)?;
                            let code = if (0xD800..0xDC00).contains(&high)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                self.pos += 2;
                                let low = self.hex4(escape_at)?;
                                0x10000
                                    + ((high - 0xD800) << 10)
                                    + (low.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                high
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        _ => return Err(self.syntax(escape_at, "unknown escape in a string")),
                    };
                    out.push(decoded);
                    self.pos += 1;
                }
                0x00..=0x1f => {
                    return Err(self.syntax(
                        self.pos,
                        "control characters (such as a line break) must be escaped in a string",
                    ))
                }
                _ => {
                    // Copy one whole UTF-8 character.
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
    }

    fn hex4(&mut self, escape_at: usize) -> Result<u32, DataFileError> {
        let hex = self.text.get(self.pos..self.pos + 4);
        match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
            Some(code) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                self.pos += 4;
                Ok(code)
            }
            _ => Err(self.syntax(escape_at, "expected four hex digits after \\u")),
        }
    }
}

/// The number a string such as `"inf"`, `"-Infinity"` or `"NaN"` names (letter case ignored).
pub fn special_number(text: &str) -> Option<f64> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    match rest.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> JsonValue {
        let file = read_data_json(&format!("{{\"x\": {text}}}")).unwrap();
        file.variables[0].value.clone()
    }

    fn error(text: &str) -> DataFileError {
        read_data_json(text).unwrap_err()
    }

    #[test]
    fn numbers_keep_whether_they_were_ints() {
        assert_eq!(value("3"), JsonValue::Int(3));
        assert_eq!(value("-0"), JsonValue::Int(0));
        assert_eq!(value("3.0"), JsonValue::Real(3.0));
        assert_eq!(value("1e2"), JsonValue::Real(100.0));
        assert_eq!(value("-2.5E-1"), JsonValue::Real(-0.25));
        assert_eq!(
            value("123456789012345678901234567890"),
            JsonValue::BigInt("123456789012345678901234567890".into())
        );
        assert_eq!(value("1e999"), JsonValue::Real(f64::INFINITY));
    }

    #[test]
    fn infinities_and_nan_as_strings_and_bare_words() {
        for (text, expected) in [
            ("\"inf\"", f64::INFINITY),
            ("\"+inf\"", f64::INFINITY),
            ("\"-inf\"", f64::NEG_INFINITY),
            ("\"Infinity\"", f64::INFINITY),
            ("\"-Infinity\"", f64::NEG_INFINITY),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
        ] {
            assert_eq!(value(text), JsonValue::Real(expected), "{text}");
        }
        for text in ["\"NaN\"", "\"nan\"", "NaN"] {
            assert!(
                matches!(value(text), JsonValue::Real(x) if x.is_nan()),
                "{text}"
            );
        }
    }

    #[test]
    fn arrays_nest_and_may_be_empty() {
        assert_eq!(value("[]"), JsonValue::Array(vec![]));
        assert_eq!(
            value("[[1, 2.5], []]"),
            JsonValue::Array(vec![
                JsonValue::Array(vec![JsonValue::Int(1), JsonValue::Real(2.5)]),
                JsonValue::Array(vec![]),
            ])
        );
    }

    #[test]
    fn other_values_are_kept_for_the_validator() {
        assert_eq!(
            value("\"abc\""),
            JsonValue::Other("the string \"abc\"".into())
        );
        assert_eq!(value("true"), JsonValue::Other("true".into()));
        assert_eq!(value("null"), JsonValue::Other("null".into()));
        assert_eq!(value("{\"a\": [1]}"), JsonValue::Other("an object".into()));
    }

    #[test]
    fn each_variable_records_its_line() {
        let file = read_data_json("{\n  \"N\": 3,\n\n  \"y\": [1,\n 2, 3]\n}").unwrap();
        assert_eq!(file.get("N").unwrap().line, 2);
        assert_eq!(file.get("y").unwrap().line, 4);
        assert_eq!(read_data_json("{}").unwrap().variables.len(), 0);
        assert_eq!(read_data_json(" \n{ } \n").unwrap().variables.len(), 0);
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = error("{\n  \"N\": 3\n  \"y\": 2\n}");
        assert_eq!((e.line, e.column), (3, 3));
        assert!(matches!(e.kind, DataFileErrorKind::Syntax(_)));
        let e = error("{\"y\": [1, 2,]}");
        assert_eq!((e.line, e.column), (1, 13));
        let e = error("{\"y\": [1, 2");
        assert!(e.to_string().contains("file ends"), "{e}");
        let e = error("{\"y\": 01}");
        assert_eq!(e.column, 7);
        assert!(matches!(
            error("[1, 2]").kind,
            DataFileErrorKind::NotAnObject
        ));
        assert!(matches!(error("").kind, DataFileErrorKind::Syntax(_)));
        assert!(matches!(
            error("{\"a\": 1, \"a\": 2}").kind,
            DataFileErrorKind::Duplicate { .. }
        ));
        assert!(matches!(
            error("{\"a\": 1} x").kind,
            DataFileErrorKind::Syntax(_)
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{{\"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(error(&deep).kind, DataFileErrorKind::TooDeep));
        let ok = format!("{{\"x\": {}1{}}}", "[".repeat(20), "]".repeat(20));
        assert!(read_data_json(&ok).is_ok());
    }

    #[test]
    fn no_panic_on_odd_bytes() {
        for text in [
            "{\"a\": \"\\u12\"}",
            "{\"a\": \"\\ud800\\u0041\"}",
            "{\"a\": -}",
            "{\"a\": 1.}",
            "{\"a\": 1e}",
            "{\"a\": +1}",
            "{\"é\": \"ü\"}",
            "{\"a\": [1, 2]",
            "{\"a\"",
            "{",
            "\u{feff}{}",
            "{\"a\": -Infinityx}",
        ] {
            let _ = read_data_json(text);
        }
        assert_eq!(read_data_json("{\"é\": 1}").unwrap().variables[0].name, "é");
    }
}
