//! Checks data values against constrained types (simplex, ordered, cov_matrix, ...) as Stan's checks do.

use crate::syntax::ast::TypeKind;

/// Stan's tolerance for constrained data (`CONSTRAINT_TOLERANCE`).
pub const TOLERANCE: f64 = 1e-8;

/// Checks one value of a constrained type. `dims` are its vector length or
/// `[rows, cols]`; matrices are column-major. Returns what is wrong, in words.
pub(super) fn check(kind: TypeKind, dims: &[usize], values: &[f64]) -> Result<(), String> {
    let rows = dims.first().copied().unwrap_or(0);
    let cols = dims.get(1).copied().unwrap_or(1);
    let at = |i: usize, j: usize| values[j * rows + i];
    if let Some(p) = values.iter().position(|x| x.is_nan()) {
        let place = if dims.len() == 2 {
            format!("[{}, {}]", p % rows + 1, p / rows + 1)
        } else {
            format!("[{}]", p + 1)
        };
        return Err(format!("element {place} is NaN"));
    }
    match kind {
        TypeKind::Simplex => simplex(values, "its elements"),
        TypeKind::UnitVector => {
            let length_sq: f64 = values.iter().map(|x| x * x).sum();
            if (length_sq - 1.0).abs() <= TOLERANCE {
                Ok(())
            } else {
                Err(format!("its squares sum to {}, not 1", short(length_sq)))
            }
        }
        TypeKind::SumToZeroVector => {
            let sum: f64 = values.iter().sum();
            if sum.abs() <= TOLERANCE {
                Ok(())
            } else {
                Err(format!("its elements sum to {}, not 0", short(sum)))
            }
        }
        TypeKind::Ordered => ordered(values),
        TypeKind::PositiveOrdered => {
            if let Some(&first) = values.first() {
                if first < 0.0 {
                    return Err(format!("element [1] is {first}, below 0"));
                }
            }
            ordered(values)
        }
        TypeKind::CovMatrix => symmetric(rows, &at).and_then(|_| positive_definite(rows, &at)),
        TypeKind::CorrMatrix => {
            symmetric(rows, &at)?;
            for i in 0..rows {
                if (at(i, i) - 1.0).abs() > TOLERANCE {
                    return Err(format!(
                        "diagonal element [{0}, {0}] is {1}, not 1",
                        i + 1,
                        at(i, i)
                    ));
                }
            }
            positive_definite(rows, &at)
        }
        TypeKind::CholeskyFactorCov | TypeKind::CholeskyFactorCorr => {
            if rows < cols {
                return Err(format!("it has fewer rows ({rows}) than columns ({cols})"));
            }
            for j in 0..cols {
                for i in 0..j.min(rows) {
                    if at(i, j) != 0.0 {
                        return Err(format!(
                            "element [{}, {}] above the diagonal is {}, not 0",
                            i + 1,
                            j + 1,
                            at(i, j)
                        ));
                    }
                }
                if at(j, j).is_nan() || at(j, j) <= 0.0 {
                    return Err(format!(
                        "diagonal element [{0}, {0}] is {1}, not positive",
                        j + 1,
                        at(j, j)
                    ));
                }
            }
            if kind == TypeKind::CholeskyFactorCorr {
                for i in 0..rows {
                    let length_sq: f64 = (0..cols).map(|j| at(i, j) * at(i, j)).sum();
                    if (length_sq - 1.0).abs() > TOLERANCE {
                        return Err(format!(
                            "the squares of row {} sum to {}, not 1",
                            i + 1,
                            short(length_sq)
                        ));
                    }
                }
            }
            Ok(())
        }
        TypeKind::ColumnStochasticMatrix => (0..cols).try_for_each(|j| {
            let column: Vec<f64> = (0..rows).map(|i| at(i, j)).collect();
            simplex(&column, &format!("the elements of column {}", j + 1))
        }),
        TypeKind::RowStochasticMatrix => (0..rows).try_for_each(|i| {
            let row: Vec<f64> = (0..cols).map(|j| at(i, j)).collect();
            simplex(&row, &format!("the elements of row {}", i + 1))
        }),
        TypeKind::Int
        | TypeKind::Real
        | TypeKind::Vector
        | TypeKind::RowVector
        | TypeKind::Matrix => Ok(()),
    }
}

/// A number for a message: at most ten decimals, without float noise such as 0.8499999999999999.
pub(super) fn short(x: f64) -> String {
    if !x.is_finite() || x == 0.0 || x.abs() >= 1e-4 {
        let text = format!("{x:.10}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.')
        } else {
            &text
        };
        if text == "-0" {
            "0".into()
        } else {
            text.to_string()
        }
    } else {
        format!("{x:.3e}")
    }
}

fn simplex(values: &[f64], what: &str) -> Result<(), String> {
    if let Some((i, x)) = values.iter().enumerate().find(|(_, x)| **x < 0.0) {
        return Err(format!(
            "{what} must be nonnegative, but element [{}] is {x}",
            i + 1
        ));
    }
    let sum: f64 = values.iter().sum();
    if (sum - 1.0).abs() <= TOLERANCE {
        Ok(())
    } else {
        Err(format!("{what} sum to {}, not 1", short(sum)))
    }
}

fn ordered(values: &[f64]) -> Result<(), String> {
    for i in 1..values.len() {
        if values[i].is_nan() || values[i - 1].is_nan() || values[i] <= values[i - 1] {
            return Err(format!(
                "element [{}] ({}) is not greater than element [{}] ({})",
                i + 1,
                values[i],
                i,
                values[i - 1]
            ));
        }
    }
    Ok(())
}

fn symmetric(n: usize, at: &dyn Fn(usize, usize) -> f64) -> Result<(), String> {
    for j in 0..n {
        for i in (j + 1)..n {
            if (at(i, j) - at(j, i)).abs() > TOLERANCE {
                return Err(format!(
                    "it is not symmetric: [{}, {}] is {} but [{}, {}] is {}",
                    i + 1,
                    j + 1,
                    at(i, j),
                    j + 1,
                    i + 1,
                    at(j, i)
                ));
            }
        }
    }
    Ok(())
}

/// Cholesky decomposition of a symmetric matrix: succeeds exactly when it is positive definite.
fn positive_definite(n: usize, at: &dyn Fn(usize, usize) -> f64) -> Result<(), String> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = at(j, j);
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return Err("it is not positive definite".into());
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in (j + 1)..n {
            let mut s = at(i, j);
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = s / d;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplex_and_vectors() {
        assert!(check(TypeKind::Simplex, &[3], &[0.2, 0.3, 0.5]).is_ok());
        assert!(check(TypeKind::Simplex, &[3], &[0.2, 0.3, 0.4]).is_err());
        assert!(check(TypeKind::Simplex, &[2], &[1.5, -0.5]).is_err());
        assert!(check(TypeKind::UnitVector, &[2], &[0.6, 0.8]).is_ok());
        assert!(check(TypeKind::SumToZeroVector, &[3], &[1.0, -2.0, 1.0]).is_ok());
        assert!(check(TypeKind::Ordered, &[3], &[1.0, 1.0, 2.0]).is_err());
        assert!(check(TypeKind::PositiveOrdered, &[2], &[0.0, 2.0]).is_ok());
        assert!(check(TypeKind::PositiveOrdered, &[2], &[-1.0, 2.0]).is_err());
    }

    #[test]
    fn matrices_are_column_major() {
        // [[2, 0], [1, 3]] stored column-major.
        assert!(check(TypeKind::CholeskyFactorCov, &[2, 2], &[2.0, 1.0, 0.0, 3.0]).is_ok());
        assert!(check(TypeKind::CholeskyFactorCov, &[2, 2], &[2.0, 0.0, 1.0, 3.0]).is_err());
        assert!(check(TypeKind::CovMatrix, &[2, 2], &[2.0, 1.0, 1.0, 2.0]).is_ok());
        assert!(check(TypeKind::CovMatrix, &[2, 2], &[1.0, 2.0, 2.0, 1.0]).is_err());
        assert!(check(TypeKind::CorrMatrix, &[2, 2], &[1.0, 0.5, 0.5, 1.0]).is_ok());
        // Columns [0.2, 0.8] and [0.5, 0.5]: column stochastic, not row stochastic.
        let m = [0.2, 0.8, 0.5, 0.5];
        assert!(check(TypeKind::ColumnStochasticMatrix, &[2, 2], &m).is_ok());
        assert!(check(TypeKind::RowStochasticMatrix, &[2, 2], &m).is_err());
    }
}
