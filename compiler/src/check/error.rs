//! Type-checking errors and warnings as plain data, and the one function that words each as a diagnostic.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;

/// Everything the checker can find wrong (errors) or suspicious (warnings) in a program.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckError {
    // ----- names
    UnknownVariable {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    Redeclared {
        name: String,
        span: Span,
        previous: Span,
    },
    UnknownFunction {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    NotSupportedYet {
        name: String,
        span: Span,
    },
    OldFunction {
        name: String,
        span: Span,
        modern: String,
    },
    UnknownDistribution {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    VariableUsedAsFunction {
        name: String,
        span: Span,
    },
    // ----- program structure
    BlockOutOfOrder {
        block: &'static str,
        span: Span,
        after: &'static str,
        after_span: Span,
    },
    DuplicateBlock {
        block: &'static str,
        span: Span,
        previous: Span,
    },
    OldArraySyntax {
        span: Span,
        modern: String,
    },
    // ----- types
    BinaryOperator {
        op: &'static str,
        left: String,
        right: String,
        span: Span,
        hint: Option<String>,
    },
    UnaryOperator {
        op: &'static str,
        operand: String,
        span: Span,
    },
    Transpose {
        operand: String,
        span: Span,
    },
    NoMatchingSignature {
        name: String,
        args: Vec<String>,
        span: Span,
        candidates: Vec<String>,
    },
    /// `y ~ dist(...)` where no signature of `dist` fits; `written` shows the types as `real ~ dist(real)`.
    TildeSignature {
        dist: String,
        written: String,
        span: Span,
        candidates: Vec<String>,
    },
    AssignmentType {
        name: String,
        declared: String,
        assigned: String,
        span: Span,
        decl_span: Span,
    },
    CompoundAssignment {
        op: &'static str,
        declared: String,
        assigned: String,
        span: Span,
    },
    BadIndex {
        message: String,
        span: Span,
    },
    IndexNotInt {
        found: String,
        span: Span,
    },
    ConditionType {
        found: String,
        span: Span,
    },
    LoopBoundType {
        found: String,
        span: Span,
    },
    ForeachOverScalar {
        found: String,
        span: Span,
    },
    TernaryBranches {
        then: String,
        otherwise: String,
        span: Span,
    },
    ArrayLiteralElements {
        first: String,
        other: String,
        span: Span,
    },
    RowVectorLiteralElements {
        found: String,
        span: Span,
    },
    SizeType {
        found: String,
        span: Span,
    },
    BoundType {
        which: &'static str,
        found: String,
        declared: String,
        span: Span,
    },
    ReturnType {
        expected: String,
        found: String,
        span: Span,
    },
    TargetType {
        found: String,
        span: Span,
    },
    ParamIsInt {
        name: String,
        span: Span,
    },
    // ----- block and context rules
    AssignToReadOnly {
        name: String,
        span: Span,
        why: String,
        decl_span: Span,
    },
    NotAnLvalue {
        span: Span,
    },
    TargetOutsideModel {
        what: &'static str,
        span: Span,
    },
    JacobianOutsideTransformedParameters {
        span: Span,
    },
    RngNotAllowed {
        name: String,
        span: Span,
    },
    LpNotAllowed {
        name: String,
        span: Span,
    },
    ConstrainedLocal {
        span: Span,
        type_name: &'static str,
    },
    InitializerNotAllowed {
        block: &'static str,
        span: Span,
    },
    StatementNotAllowed {
        block: &'static str,
        span: Span,
    },
    BreakOutsideLoop {
        what: &'static str,
        span: Span,
    },
    ReturnOutsideFunction {
        span: Span,
    },
    MissingReturn {
        name: String,
        span: Span,
    },
    VoidReturnsValue {
        name: String,
        span: Span,
    },
    SizeNotData {
        span: Span,
    },
    NonVoidAsStatement {
        name: String,
        span: Span,
    },
    VoidInExpression {
        name: String,
        span: Span,
    },
    BarRequired {
        name: String,
        span: Span,
    },
    BarNotAllowed {
        name: String,
        span: Span,
    },
    FunctionRedefined {
        name: String,
        span: Span,
        previous: Span,
    },
    FunctionDeclaredNotDefined {
        name: String,
        span: Span,
    },
    FunctionDeclarationMismatch {
        name: String,
        span: Span,
        previous: Span,
    },
    BadFunctionSuffix {
        name: String,
        span: Span,
        why: String,
    },
    TruncationNotUnivariate {
        span: Span,
    },
    TruncationNeedsCdf {
        dist: String,
        span: Span,
        missing: String,
    },
    DataArgumentNotData {
        name: String,
        span: Span,
    },
    TildeOnFunction {
        name: String,
        span: Span,
    },
    // ----- warnings
    ParameterWithoutPrior {
        name: String,
        span: Span,
    },
    ScaleWithoutLowerBound {
        name: String,
        dist: String,
        span: Span,
        decl_span: Span,
    },
    PriorSupportMismatch {
        name: String,
        dist: String,
        support: &'static str,
        declared: String,
        span: Span,
        decl_span: Span,
    },
    NonlinearTildeLhs {
        span: Span,
    },
    IntegerDivision {
        span: Span,
    },
    UsedBeforeAssigned {
        name: String,
        span: Span,
        decl_span: Span,
    },
    UnreachableCode {
        span: Span,
        after: Span,
    },
}

fn ty(s: &str) -> String {
    format!("`{s}`")
}

/// How to turn a value of type `assigned` into one of type `declared`, when there is a usual way.
fn conversion_hint(declared: &str, assigned: &str) -> Option<String> {
    let hint = match (declared, assigned) {
        ("vector", "array[] real" | "array[] int" | "row_vector") => {
            "convert it with `to_vector(...)`"
        }
        ("row_vector", "array[] real" | "array[] int" | "vector") => {
            "convert it with `to_row_vector(...)`, or transpose a vector with `'`"
        }
        ("array[] real", "vector" | "row_vector") => "convert it with `to_array_1d(...)`",
        ("int", "real") => {
            "a real cannot be stored in an int; declare the variable `real`, or round data with `to_int(...)`"
        }
        _ => return None,
    };
    Some(hint.to_string())
}

impl CheckError {
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            CheckError::ParameterWithoutPrior { .. }
                | CheckError::ScaleWithoutLowerBound { .. }
                | CheckError::PriorSupportMismatch { .. }
                | CheckError::NonlinearTildeLhs { .. }
                | CheckError::IntegerDivision { .. }
                | CheckError::UsedBeforeAssigned { .. }
                | CheckError::UnreachableCode { .. }
        )
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        use CheckError::*;
        let mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        match self {
            UnknownVariable { name, span, suggestion } => Diagnostic::error(
                "E100",
                format!("unknown variable `{name}`"),
                *span,
                "no variable of this name is declared before this point",
            )
            .maybe_help(mean(suggestion)),
            Redeclared { name, span, previous } => {
                Diagnostic::error("E101", format!("`{name}` is declared twice"), *span, "declared again here")
                    .with_secondary(*previous, "first declared here")
                    .with_help("give the second variable a different name")
            }
            UnknownFunction { name, span, suggestion } => Diagnostic::error(
                "E102",
                format!("unknown function `{name}`"),
                *span,
                "no built-in or user-defined function has this name",
            )
            .maybe_help(mean(suggestion)),
            NotSupportedYet { name, span } => Diagnostic::error(
                "E103",
                format!("not supported yet: {name}"),
                *span,
                "Stan has this function, but cmod does not support it yet",
            ),
            OldFunction { name, span, modern } => Diagnostic::error(
                "E104",
                format!("`{name}` is old syntax that Stan no longer accepts"),
                *span,
                "removed from the language",
            )
            .with_help(format!("write {modern} instead")),
            UnknownDistribution { name, span, suggestion } => Diagnostic::error(
                "E105",
                format!("unknown distribution `{name}`"),
                *span,
                format!("there is no `{name}_lpdf` or `{name}_lpmf`"),
            )
            .maybe_help(mean(suggestion)),
            VariableUsedAsFunction { name, span } => Diagnostic::error(
                "E106",
                format!("`{name}` is a variable, not a function"),
                *span,
                "this calls a variable",
            )
            .with_help(format!("index a variable with square brackets: `{name}[i]`")),
            BlockOutOfOrder { block, span, after, after_span } => Diagnostic::error(
                "E110",
                format!("the `{block}` block must come before the `{after}` block"),
                *span,
                "this block is out of order",
            )
            .with_secondary(*after_span, format!("the `{after}` block is here"))
            .with_help("blocks go in this order: functions, data, transformed data, parameters, transformed parameters, model, generated quantities"),
            DuplicateBlock { block, span, previous } => {
                Diagnostic::error("E111", format!("there are two `{block}` blocks"), *span, "second block")
                    .with_secondary(*previous, "first block")
                    .with_help("merge them into one block")
            }
            OldArraySyntax { span, modern } => Diagnostic::error(
                "E112",
                "array sizes after the name are old syntax",
                *span,
                "Stan no longer accepts this form",
            )
            .with_help(format!("write `{modern}`")),
            BinaryOperator { op, left, right, span, hint } => Diagnostic::error(
                "E200",
                format!("`{op}` cannot combine {} and {}", ty(left), ty(right)),
                *span,
                format!("{} {op} {}", ty(left), ty(right)),
            )
            .maybe_help(hint.clone()),
            UnaryOperator { op, operand, span } => Diagnostic::error(
                "E201",
                format!("`{op}` cannot be applied to {}", ty(operand)),
                *span,
                format!("this is {}", ty(operand)),
            ),
            Transpose { operand, span } => Diagnostic::error(
                "E202",
                format!("{} cannot be transposed", ty(operand)),
                *span,
                "only vectors, row vectors and matrices have a transpose",
            ),
            NoMatchingSignature { name, args, span, candidates } => {
                let shown: Vec<String> = candidates.iter().take(6).cloned().collect();
                let more = candidates.len().saturating_sub(shown.len());
                let mut help = format!("`{name}` accepts: {}", shown.join("; "));
                if more > 0 {
                    help.push_str(&format!("; and {more} more"));
                }
                Diagnostic::error(
                    "E203",
                    format!("`{name}` cannot take arguments of type ({})", args.join(", ")),
                    *span,
                    "no signature of this function matches these arguments",
                )
                .with_help(help)
            }
            TildeSignature { dist, written, span, candidates } => {
                let shown: Vec<String> = candidates.iter().take(6).cloned().collect();
                let more = candidates.len().saturating_sub(shown.len());
                let mut help = format!("`{dist}` accepts: {}", shown.join("; "));
                if more > 0 {
                    help.push_str(&format!("; and {more} more"));
                }
                Diagnostic::error(
                    "E203",
                    format!("`{dist}` cannot take these types: `{written}`"),
                    *span,
                    format!("no signature of `{dist}` matches this statement"),
                )
                .with_help(help)
            }
            AssignmentType { name, declared, assigned, span, decl_span } => Diagnostic::error(
                "E204",
                format!("cannot assign {} to `{name}`, which is {}", ty(assigned), ty(declared)),
                *span,
                format!("this is {}", ty(assigned)),
            )
            .with_secondary(*decl_span, format!("`{name}` is declared {} here", ty(declared)))
            .maybe_help(conversion_hint(declared, assigned)),
            CompoundAssignment { op, declared, assigned, span } => Diagnostic::error(
                "E205",
                format!("`{op}` cannot combine {} with {}", ty(declared), ty(assigned)),
                *span,
                "the result would not have the variable's type",
            ),
            BadIndex { message, span } => Diagnostic::error("E206", "too many indices", *span, message.clone()),
            IndexNotInt { found, span } => Diagnostic::error(
                "E207",
                "an index must be an integer or an array of integers",
                *span,
                format!("this is {}", ty(found)),
            ),
            ConditionType { found, span } => Diagnostic::error(
                "E208",
                "a condition must be an int or real",
                *span,
                format!("this is {}", ty(found)),
            ),
            LoopBoundType { found, span } => Diagnostic::error(
                "E209",
                "loop bounds must be integers",
                *span,
                format!("this is {}", ty(found)),
            )
            .with_help("use `to_int(...)` on data, or loop over a container with `for (x in xs)`"),
            ForeachOverScalar { found, span } => Diagnostic::error(
                "E210",
                "a `for ... in` loop needs a container",
                *span,
                format!("this is {}, which has no elements", ty(found)),
            )
            .with_help("to loop over a range write `for (i in 1:N)`"),
            TernaryBranches { then, otherwise, span } => Diagnostic::error(
                "E211",
                "the two branches of `?:` have different types",
                *span,
                format!("one is {} and the other {}", ty(then), ty(otherwise)),
            ),
            ArrayLiteralElements { first, other, span } => Diagnostic::error(
                "E212",
                "the elements of an array must all have the same type",
                *span,
                format!("this is {} but the first element is {}", ty(other), ty(first)),
            ),
            RowVectorLiteralElements { found, span } => Diagnostic::error(
                "E213",
                "elements of `[...]` must be numbers or row vectors",
                *span,
                format!("this is {}", ty(found)),
            )
            .with_help("for an array write `{ ... }`; for a column vector write `[ ... ]'`"),
            SizeType { found, span } => Diagnostic::error(
                "E214",
                "a size must be an integer",
                *span,
                format!("this is {}", ty(found)),
            ),
            BoundType { which, found, declared, span } => Diagnostic::error(
                "E215",
                format!("the {which} bound has the wrong type"),
                *span,
                format!("this is {}, but the variable is {}", ty(found), ty(declared)),
            ),
            ReturnType { expected, found, span } => Diagnostic::error(
                "E216",
                format!("this function must return {}", ty(expected)),
                *span,
                format!("this is {}", ty(found)),
            ),
            TargetType { found, span } => Diagnostic::error(
                "E217",
                "`target +=` needs a number or a container of numbers",
                *span,
                format!("this is {}", ty(found)),
            ),
            ParamIsInt { name, span } => Diagnostic::error(
                "E300",
                format!("parameter `{name}` cannot be an integer"),
                *span,
                "NUTS samples only continuous parameters",
            )
            .with_help("marginalize a discrete parameter out of the model, or declare it as data"),
            AssignToReadOnly { name, span, why, decl_span } => Diagnostic::error(
                "E301",
                format!("cannot assign to `{name}`"),
                *span,
                why.clone(),
            )
            .with_secondary(*decl_span, format!("`{name}` is declared here")),
            NotAnLvalue { span } => Diagnostic::error(
                "E302",
                "only a variable can be assigned to",
                *span,
                "this is not a variable or an indexed variable",
            ),
            TargetOutsideModel { what, span } => Diagnostic::error(
                "E303",
                format!("`{what}` is only allowed in the model block"),
                *span,
                "not allowed here",
            )
            .with_help("move this statement into the model block, or into a function whose name ends in `_lp`"),
            JacobianOutsideTransformedParameters { span } => Diagnostic::error(
                "E304",
                "`jacobian +=` is only allowed in the transformed parameters block",
                *span,
                "not allowed here",
            ),
            RngNotAllowed { name, span } => Diagnostic::error(
                "E305",
                format!("random number function `{name}` is not allowed here"),
                *span,
                "`_rng` functions would make the log density random",
            )
            .with_help("call `_rng` functions in transformed data, generated quantities, or another `_rng` function"),
            LpNotAllowed { name, span } => Diagnostic::error(
                "E306",
                format!("`{name}` changes the log density and is not allowed here"),
                *span,
                "`_lp` functions can only be called where `target +=` is allowed",
            ),
            ConstrainedLocal { span, type_name } => Diagnostic::error(
                "E307",
                format!("local variables cannot have constraints (`{type_name}`)"),
                *span,
                "constraints are only checked on block-level variables",
            )
            .with_help("declare it without bounds or constraint, or move it to the top level of its block"),
            InitializerNotAllowed { block, span } => Diagnostic::error(
                "E308",
                format!("variables in the {block} block cannot be given a value"),
                *span,
                "remove this initial value",
            )
            .with_help("compute derived values in `transformed data` or `transformed parameters`"),
            StatementNotAllowed { block, span } => Diagnostic::error(
                "E309",
                format!("the {block} block may only contain declarations"),
                *span,
                "this statement is not a declaration",
            ),
            BreakOutsideLoop { what, span } => Diagnostic::error(
                "E310",
                format!("`{what}` outside a loop"),
                *span,
                "there is no loop to leave here",
            ),
            ReturnOutsideFunction { span } => Diagnostic::error(
                "E311",
                "`return` with a value outside a function",
                *span,
                "only user-defined functions return values",
            ),
            MissingReturn { name, span } => Diagnostic::error(
                "E312",
                format!("function `{name}` may end without returning a value"),
                *span,
                "some path through this body has no `return`",
            )
            .with_help("end every path with `return ...;`"),
            VoidReturnsValue { name, span } => Diagnostic::error(
                "E313",
                format!("void function `{name}` cannot return a value"),
                *span,
                "this returns a value",
            ),
            SizeNotData { span } => Diagnostic::error(
                "E314",
                "sizes of block variables must be known from the data",
                *span,
                "this size depends on parameters",
            ),
            NonVoidAsStatement { name, span } => Diagnostic::error(
                "E315",
                format!("the value of `{name}(...)` is not used"),
                *span,
                "a function that returns a value cannot stand alone as a statement",
            )
            .with_help("assign the result to a variable, or add it with `target +=` if it is a log density"),
            VoidInExpression { name, span } => Diagnostic::error(
                "E316",
                format!("`{name}` returns nothing, so it cannot be used as a value"),
                *span,
                "void function used in an expression",
            ),
            BarRequired { name, span } => Diagnostic::error(
                "E317",
                format!("`{name}` takes its first argument before a `|`"),
                *span,
                "write the variate, then `|`, then the parameters",
            )
            .with_help(format!("for example `{name}(y | mu, sigma)`")),
            BarNotAllowed { name, span } => Diagnostic::error(
                "E318",
                format!("`|` is only for density and distribution functions, not `{name}`"),
                *span,
                "separate the arguments with `,`",
            ),
            FunctionRedefined { name, span, previous } => {
                Diagnostic::error("E319", format!("function `{name}` is defined twice"), *span, "defined again here")
                    .with_secondary(*previous, "first defined here")
            }
            FunctionDeclaredNotDefined { name, span } => Diagnostic::error(
                "E320",
                format!("function `{name}` is declared but never defined"),
                *span,
                "this forward declaration has no definition",
            ),
            FunctionDeclarationMismatch { name, span, previous } => Diagnostic::error(
                "E321",
                format!("the definition of `{name}` does not match its declaration"),
                *span,
                "the argument or return types differ",
            )
            .with_secondary(*previous, "declared here"),
            BadFunctionSuffix { name, span, why } => {
                Diagnostic::error("E322", format!("function `{name}` breaks a naming rule"), *span, why.clone())
            }
            TruncationNotUnivariate { span } => Diagnostic::error(
                "E323",
                "truncation needs a single (scalar) variate",
                *span,
                "the left of `~` is not a scalar",
            )
            .with_help("truncate inside a loop over the elements"),
            TruncationNeedsCdf { dist, span, missing } => Diagnostic::error(
                "E324",
                format!("`{dist}` cannot be truncated"),
                *span,
                format!("truncation needs `{missing}`, which does not exist"),
            ),
            DataArgumentNotData { name, span } => Diagnostic::error(
                "E325",
                format!("this argument of `{name}` must be data"),
                *span,
                "this depends on parameters",
            ),
            TildeOnFunction { name, span } => Diagnostic::error(
                "E326",
                format!("`{name}` is the name of a density function, not a distribution"),
                *span,
                "write the distribution's name without the suffix",
            )
            .with_help(format!(
                "write `~ {}(...)`",
                name.trim_end_matches("_lpdf").trim_end_matches("_lpmf").trim_end_matches("_lupdf").trim_end_matches("_lupmf")
            )),
            ParameterWithoutPrior { name, span } => Diagnostic::warning(
                "W001",
                format!("parameter `{name}` has no prior"),
                *span,
                "no `~` statement or density gives this parameter a prior",
            )
            .with_help(format!(
                "without one it gets a flat (improper) prior; add e.g. `{name} ~ normal(0, 1);` to the model block"
            )),
            ScaleWithoutLowerBound { name, dist, span, decl_span } => Diagnostic::warning(
                "W002",
                format!("`{name}` is used as a positive argument of `{dist}` but may be negative"),
                *span,
                "this argument must be positive",
            )
            .with_secondary(*decl_span, format!("`{name}` is declared without a lower bound"))
            .with_help(format!("declare `{name}` with a lower bound, for example `real<lower=0> {name};`")),
            PriorSupportMismatch { name, dist, support, declared, span, decl_span } => Diagnostic::warning(
                "W003",
                format!("the prior `{dist}` does not match the range of `{name}`"),
                *span,
                format!("`{dist}` has support {support}"),
            )
            .with_secondary(*decl_span, format!("`{name}` is declared on {declared}"))
            .with_help(format!("declare the bounds of `{name}` to match {support}, or choose a prior with that support")),
            NonlinearTildeLhs { span } => Diagnostic::warning(
                "W004",
                "the left of `~` is a nonlinear transform of parameters",
                *span,
                "this needs a Jacobian adjustment",
            )
            .with_help("add the log absolute derivative of the transform with `target +=`, or put the prior on the parameter itself"),
            IntegerDivision { span } => Diagnostic::warning(
                "W005",
                "integer division rounds toward zero",
                *span,
                "both sides are integers, so the result is an integer",
            )
            .with_help("write `%/%` if rounding is intended, or make one side real, e.g. `1.0 * a / b`"),
            UsedBeforeAssigned { name, span, decl_span } => Diagnostic::warning(
                "W006",
                format!("`{name}` is used before it is given a value"),
                *span,
                "read here before any assignment",
            )
            .with_secondary(*decl_span, "declared here without a value"),
            UnreachableCode { span, after } => Diagnostic::warning(
                "W007",
                "this code is never run",
                *span,
                "unreachable",
            )
            .with_secondary(*after, "control leaves here"),
        }
    }
}
