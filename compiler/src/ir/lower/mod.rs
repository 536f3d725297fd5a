//! Lowering: the typed program plus the data becomes IR functions over a fixed memory layout.
//!
//! It runs in two phases because sizes may depend on transformed data:
//! [`Lowering::lower_transformed_data`] first (the host then runs that
//! function and hands the arenas back), then [`Lowering::lower_model`] for
//! `log_density` and `generate`.

mod assign_targets;
mod builtins;
mod constructors;
mod densities;
mod error;
mod expr;
mod functions;
mod fused;
mod products;
mod reductions;
mod rng;
mod scalar_densities;
mod segments;
mod stdlib_calls;
mod stmt;
mod transforms;
mod unconstrain;
mod validate;

pub use error::LowerError;

use super::*;
use crate::check::{TypedProgram, VarId, VarOrigin};
use crate::syntax::ast::{self, BlockKind, DeclType, Expr, ExprKind, Program, Span, StmtKind};
use std::collections::HashMap;
use stdlib::{BaseType, UnsizedType};

/// Values of the data block's variables, flattened: array dimensions
/// outermost first, matrices column-major.
#[derive(Debug, Clone, Default)]
pub struct DataValues {
    pub vars: HashMap<String, DataVar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataVar {
    pub dims: Vec<usize>,
    pub reals: Vec<f64>,
    pub ints: Vec<i64>,
}

/// A variable shown in the output (parameters, transformed parameters, generated quantities).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputVar {
    pub name: String,
    pub dims: Vec<usize>,
    /// Offset of its first element in the output row.
    pub offset: usize,
    pub is_int: bool,
    /// The last two dims are a matrix's rows and columns.
    pub is_matrix: bool,
}

impl OutputVar {
    /// Stan's flattened column names: `theta.1`, `Sigma.2.3`; arrays row-major,
    /// a matrix's elements column-major, in the order the output row stores them.
    pub fn column_names(&self) -> Vec<String> {
        let total: usize = self.dims.iter().product();
        (0..total)
            .map(|flat| {
                let idx = unflatten(flat, &self.dims, self.is_matrix);
                if idx.is_empty() {
                    self.name.clone()
                } else {
                    let parts: Vec<String> = idx.iter().map(|i| (i + 1).to_string()).collect();
                    format!("{}.{}", self.name, parts.join("."))
                }
            })
            .collect()
    }
}

/// The indices of the element at `flat` in storage order: array dims
/// row-major, then (when `matrix`) the last two dims column-major.
pub fn unflatten(flat: usize, dims: &[usize], matrix: bool) -> Vec<usize> {
    let n = dims.len();
    let mut idx = vec![0; n];
    let mut rest = flat;
    let mut order: Vec<usize> = (0..n).rev().collect();
    if matrix && n >= 2 {
        // Column-major: the row index varies fastest, then the column.
        order.swap(0, 1);
    }
    for d in order {
        let size = dims[d].max(1);
        idx[d] = rest % size;
        rest /= size;
    }
    idx
}

/// The storage of one variable: its slot and shape.
#[derive(Debug, Clone)]
pub(crate) struct VarStorage {
    pub slot: SlotId,
    pub ty: UnsizedType,
    /// Array dims, then vector/matrix dims.
    pub dims: Vec<usize>,
}

impl VarStorage {
    pub fn is_int(&self) -> bool {
        self.ty.base == BaseType::Int
    }
}

pub struct Lowering<'a> {
    pub(crate) program: &'a Program,
    pub(crate) typed: &'a TypedProgram,
    /// The model's text, for messages that quote it.
    #[allow(dead_code)]
    pub(crate) source: &'a str,
    pub module: Module,
    pub(crate) vars: HashMap<VarId, VarStorage>,
    /// Known arena contents for evaluating sizes at compile time.
    pub vals_arena: Vec<f64>,
    pub ints_arena: Vec<i64>,
    /// Which `Vals` slots need adjoints.
    pub active: Vec<bool>,
    pub(crate) block: BlockKind,
    pub(crate) jacobian_slot: Option<SlotId>,
    pub(crate) theta_slot: Option<SlotId>,
    pub outputs: Vec<OutputVar>,
    pub n_unconstrained: usize,
    pub n_outputs: usize,
    /// How many of `outputs` are parameters (they come first).
    pub n_parameters: usize,
    pub(crate) temp_count: usize,
    /// User-defined functions being inlined (guards against recursion).
    pub(crate) inlining: Vec<String>,
    /// Int variables whose values are known when compiling although they
    /// are not data: arguments of the function being inlined (Stan's
    /// function arguments cannot be assigned) and local ints initialized
    /// from known values and never assigned again. Sizes may use them.
    pub(crate) known_int_args: HashMap<VarId, i64>,
    /// Where each `break` and `continue` was written, in lowering order, so
    /// that a later stage that cannot handle one can name its place.
    pub loop_exit_spans: Vec<Span>,
    /// Whether the statements being lowered are differentiated (the
    /// log_density pass). Transformed parameters are lowered a second time
    /// for `generate`, with the generated quantities; there nothing is a
    /// parameter-dependent value, so no kernel asks for adjoints.
    pub(crate) differentiated: bool,
    /// Whether `~` statements and `_lupdf` calls keep the constants of their
    /// densities (Stan's `log_prob<propto = false>`, which ADVI's ELBO uses)
    /// instead of dropping them as sampling does.
    pub keep_constants: bool,
    /// Where the current inlined function stores its result, and the flag set by `return`.
    pub(crate) return_slots: Vec<(Option<VarStorage>, SlotId)>,
    /// The declared return type of each function being inlined.
    pub(crate) return_types: Vec<Option<UnsizedType>>,
    /// The first variable whose size made the arenas larger than
    /// `MAX_ARENA_LEN`, with the statement that declared it.
    pub(crate) too_large: Option<(String, Span)>,
    /// The statement being lowered, for messages about what it allocates.
    pub(crate) current_span: Span,
    /// The parameters, kept for `lower_unconstrain`.
    pub(crate) unconstrain_params: Vec<unconstrain::ParamInfo>,
    line_starts: Vec<usize>,
}

impl<'a> Lowering<'a> {
    pub fn new(program: &'a Program, typed: &'a TypedProgram, source: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Lowering {
            program,
            typed,
            source,
            module: Module::default(),
            vars: HashMap::new(),
            vals_arena: Vec::new(),
            ints_arena: Vec::new(),
            active: Vec::new(),
            block: BlockKind::Data,
            jacobian_slot: None,
            theta_slot: None,
            outputs: Vec::new(),
            n_unconstrained: 0,
            n_outputs: 0,
            n_parameters: 0,
            temp_count: 0,
            inlining: Vec::new(),
            known_int_args: HashMap::new(),
            loop_exit_spans: Vec::new(),
            keep_constants: false,
            differentiated: false,
            return_slots: Vec::new(),
            return_types: Vec::new(),
            too_large: None,
            current_span: Span::default(),
            unconstrain_params: Vec::new(),
            line_starts,
        }
    }

    /// 1-based line of a byte offset, for messages.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    pub(crate) fn msg(&mut self, span: Span, text: impl Into<String>) -> MsgId {
        let line = self.line(span.start);
        let text = format!("{} (line {line})", text.into());
        self.module.message(text)
    }

    /// Allocates a slot, growing the known arenas to match.
    pub(crate) fn alloc(
        &mut self,
        name: impl Into<String>,
        dims: Vec<usize>,
        int: bool,
        active: bool,
    ) -> SlotId {
        let region = if int { Region::Ints } else { Region::Vals };
        let name = name.into();
        let id = self.module.layout.add(name.clone(), region, dims);
        let layout = &self.module.layout;
        if layout.vals_len > MAX_ARENA_LEN || layout.ints_len > MAX_ARENA_LEN {
            // Keep going without memory; the phase reports it when it ends.
            let span = self.current_span;
            self.too_large.get_or_insert((name, span));
        } else {
            self.vals_arena.resize(layout.vals_len, 0.0);
            self.ints_arena.resize(layout.ints_len, 0);
        }
        while self.active.len() <= id.0 as usize {
            self.active.push(false);
        }
        self.active[id.0 as usize] = active && !int;
        id
    }

    pub(crate) fn temp(&mut self, dims: Vec<usize>, int: bool, active: bool) -> SlotId {
        self.temp_count += 1;
        let name = format!("_t{}", self.temp_count);
        self.alloc(name, dims, int, active)
    }

    pub(crate) fn int_temp(&mut self) -> SlotId {
        self.temp(vec![], true, false)
    }

    /// The int slot holding the "add the log-Jacobian" flag.
    pub fn jacobian_slot(&self) -> Option<SlotId> {
        self.jacobian_slot
    }

    /// Fails when the model's variables need more memory than cmod allows.
    pub fn check_size(&self) -> Result<(), LowerError> {
        match &self.too_large {
            Some((name, span)) => {
                let what = if name.starts_with('_') {
                    "here".to_string()
                } else {
                    format!("at `{name}`")
                };
                Err(LowerError::new(
                    *span,
                    format!(
                        "the model needs more than {MAX_ARENA_LEN} numbers in memory ({what}); check the sizes in the data"
                    ),
                ))
            }
            None => Ok(()),
        }
    }

    /// Lays out the data block and fills the known arenas from `data`.
    pub fn lower_data(&mut self, data: &DataValues) -> Result<(), LowerError> {
        let jac = self.alloc("_jacobian", vec![], true, false);
        self.jacobian_slot = Some(jac);
        self.block = BlockKind::Data;
        for stmt in self.program.stmts(BlockKind::Data) {
            self.current_span = stmt.span;
            let StmtKind::Decl { ty, name, .. } = &stmt.kind else {
                continue;
            };
            let var = self.decl_var(name)?;
            let info = self.typed.var(var).clone();
            let dims = self.declared_dims(ty)?;
            let value = data.vars.get(&name.name).ok_or_else(|| {
                LowerError::new(
                    name.span,
                    format!("no value was given for the data variable `{}`", name.name),
                )
            })?;
            if value.dims != dims {
                return Err(LowerError::new(
                    name.span,
                    format!(
                        "`{}` should have dimensions {:?} but the data has {:?}",
                        name.name, dims, value.dims
                    ),
                ));
            }
            let is_int = info.ty.base == BaseType::Int;
            let slot = self.alloc(name.name.clone(), dims.clone(), is_int, false);
            let s = self.module.layout.slot(slot).clone();
            if is_int {
                self.ints_arena[s.offset..s.offset + s.len].copy_from_slice(&value.ints);
            } else if value.reals.len() == s.len {
                self.vals_arena[s.offset..s.offset + s.len].copy_from_slice(&value.reals);
            } else {
                for (dst, src) in self.vals_arena[s.offset..s.offset + s.len]
                    .iter_mut()
                    .zip(&value.ints)
                {
                    *dst = *src as f64;
                }
            }
            self.vars.insert(
                var,
                VarStorage {
                    slot,
                    ty: info.ty,
                    dims,
                },
            );
        }
        Ok(())
    }

    /// Lowers the transformed data block into the function `transform_data`.
    pub fn lower_transformed_data(&mut self) -> Result<(), LowerError> {
        self.block = BlockKind::TransformedData;
        let mut body = Vec::new();
        for stmt in self.program.stmts(BlockKind::TransformedData) {
            self.lower_stmt(stmt, &mut body)?;
        }
        self.validate_block_constraints(BlockKind::TransformedData, &mut body)?;
        self.module.functions.push(Function {
            name: "transform_data".into(),
            body,
        });
        Ok(())
    }

    /// Lowers parameters, transformed parameters, the model and generated
    /// quantities into `log_density` and `generate`. The known arenas must
    /// hold the data and transformed data by now.
    pub fn lower_model(&mut self) -> Result<(), LowerError> {
        let target = self.alloc("_target", vec![], false, true);
        self.module.target = Some(target);
        // Parameters: their slots, and the size of the unconstrained vector.
        let mut params = Vec::new();
        for stmt in self.program.stmts(BlockKind::Parameters) {
            self.current_span = stmt.span;
            let StmtKind::Decl { ty, name, .. } = &stmt.kind else {
                continue;
            };
            let var = self.decl_var(name)?;
            let info = self.typed.var(var).clone();
            let dims = self.declared_dims(ty)?;
            let slot = self.alloc(name.name.clone(), dims.clone(), false, true);
            self.vars.insert(
                var,
                VarStorage {
                    slot,
                    ty: info.ty,
                    dims: dims.clone(),
                },
            );
            let n_free = transforms::unconstrained_len(ty, &dims, name.span)?;
            params.push((ty.clone(), name.clone(), var, self.n_unconstrained, n_free));
            self.n_unconstrained += n_free;
        }
        let theta =
            self.module
                .layout
                .add_at("_theta", Region::Theta, 0, vec![self.n_unconstrained]);
        self.module
            .layout
            .add_at("_grad", Region::Grad, 0, vec![self.n_unconstrained]);
        self.theta_slot = Some(theta);

        // log_density: constrain, transformed parameters, model.
        self.differentiated = true;
        let mut body = vec![Stmt::SetR(Place::at(target, 0), RExpr::Const(0.0))];
        self.block = BlockKind::Parameters;
        for (ty, name, var, offset, _) in &params {
            self.constrain(ty, name, *var, *offset, true, &mut body)?;
        }
        self.block = BlockKind::TransformedParameters;
        for stmt in self.program.stmts(BlockKind::TransformedParameters) {
            self.lower_stmt(stmt, &mut body)?;
        }
        self.validate_block_constraints(BlockKind::TransformedParameters, &mut body)?;
        self.block = BlockKind::Model;
        for stmt in self.program.stmts(BlockKind::Model) {
            self.lower_stmt(stmt, &mut body)?;
        }
        self.module.functions.push(Function {
            name: "log_density".into(),
            body,
        });

        // generate: constrain and output the parameters (so a rejection
        // later keeps them, as Stan does), transformed parameters, generated
        // quantities, their outputs.
        self.differentiated = false;
        let mut body = Vec::new();
        self.block = BlockKind::Parameters;
        for (ty, name, var, offset, _) in &params {
            self.constrain(ty, name, *var, *offset, false, &mut body)?;
        }
        let parameters: Vec<VarId> = params.iter().map(|p| p.2).collect();
        self.write_outputs(&parameters, &mut body);
        let mut shown: Vec<VarId> = Vec::new();
        self.n_parameters = params.len();
        self.unconstrain_params = params.clone();
        self.block = BlockKind::TransformedParameters;
        for stmt in self.program.stmts(BlockKind::TransformedParameters) {
            self.lower_stmt(stmt, &mut body)?;
            if let StmtKind::Decl { name, .. } = &stmt.kind {
                shown.push(self.decl_var(name)?);
            }
        }
        self.validate_block_constraints(BlockKind::TransformedParameters, &mut body)?;
        self.block = BlockKind::GeneratedQuantities;
        for stmt in self.program.stmts(BlockKind::GeneratedQuantities) {
            self.lower_stmt(stmt, &mut body)?;
            if let StmtKind::Decl { name, .. } = &stmt.kind {
                shown.push(self.decl_var(name)?);
            }
        }
        self.validate_block_constraints(BlockKind::GeneratedQuantities, &mut body)?;
        self.write_outputs(&shown, &mut body);
        self.module.functions.push(Function {
            name: "generate".into(),
            body,
        });
        let params = std::mem::take(&mut self.unconstrain_params);
        self.lower_unconstrain(&params)
    }

    /// Gives each variable its run of output columns, in order, and appends
    /// to `body` the copies of its values there.
    fn write_outputs(&mut self, vars: &[VarId], body: &mut Vec<Stmt>) {
        for &var in vars {
            let storage = self.vars[&var].clone();
            let info = self.typed.var(var).clone();
            let len: usize = storage.dims.iter().product();
            let out_slot = self.module.layout.add_at(
                format!("_out_{}", info.name),
                Region::Out,
                self.n_outputs,
                storage.dims.clone(),
            );
            self.outputs.push(OutputVar {
                name: info.name.clone(),
                dims: storage.dims.clone(),
                offset: self.n_outputs,
                is_int: storage.is_int(),
                is_matrix: storage.ty.base == BaseType::Matrix,
            });
            self.n_outputs += len;
            for k in 0..len {
                let value = if storage.is_int() {
                    RExpr::FromInt(Box::new(IExpr::Load(Box::new(Place::at(storage.slot, k)))))
                } else {
                    RExpr::Load(Box::new(Place::at(storage.slot, k)))
                };
                body.push(Stmt::SetR(Place::at(out_slot, k), value));
            }
        }
    }

    pub(crate) fn decl_var(&self, name: &ast::Ident) -> Result<VarId, LowerError> {
        self.typed.decl(name.span.start).ok_or_else(|| {
            LowerError::internal(
                name.span,
                format!("no checked declaration for `{}`", name.name),
            )
        })
    }

    /// The dimensions of a declared type: array dims, then vector/matrix sizes.
    pub(crate) fn declared_dims(&mut self, ty: &DeclType) -> Result<Vec<usize>, LowerError> {
        let mut dims = Vec::new();
        for e in &ty.array_dims {
            dims.push(self.const_size(e)?);
        }
        use ast::TypeKind::*;
        let sizes: Vec<usize> = ty
            .sizes
            .iter()
            .map(|e| self.const_size(e))
            .collect::<Result<_, _>>()?;
        match ty.kind {
            Int | Real => {}
            Vector | RowVector | Simplex | UnitVector | SumToZeroVector | Ordered
            | PositiveOrdered => dims.push(sizes[0]),
            Matrix | ColumnStochasticMatrix | RowStochasticMatrix => {
                dims.extend([sizes[0], sizes[1]])
            }
            CholeskyFactorCorr | CorrMatrix | CovMatrix => dims.extend([sizes[0], sizes[0]]),
            CholeskyFactorCov => dims.extend([sizes[0], *sizes.get(1).unwrap_or(&sizes[0])]),
        }
        Ok(dims)
    }

    pub(crate) fn const_size(&mut self, e: &Expr) -> Result<usize, LowerError> {
        let v = self.const_int(e)?;
        usize::try_from(v).map_err(|_| {
            LowerError::new(
                e.span,
                format!("a size must not be negative, but this is {v}"),
            )
        })
    }

    /// Evaluates an int expression at compile time, from data and transformed data.
    pub(crate) fn const_int(&mut self, e: &Expr) -> Result<i64, LowerError> {
        let unknown = || {
            LowerError::unsupported(
                e.span,
                "a size that is only known while the model runs (sizes must come from data; \
                 a segment or slice of run-time length can be the argument of a density \
                 or a reduction, as in `segment(y, pos, s[g]) ~ normal(mu[g], sigma)`)",
            )
        };
        match &e.kind {
            ExprKind::IntLit(v) => Ok(*v),
            ExprKind::Paren(inner) => self.const_int(inner),
            ExprKind::Unary {
                op: ast::UnOp::Neg,
                operand,
            } => Ok(-self.const_int(operand)?),
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.const_int(lhs)?;
                let b = self.const_int(rhs)?;
                use ast::BinOp::*;
                Ok(match op {
                    Add => a.wrapping_add(b),
                    Sub => a.wrapping_sub(b),
                    Mul => a.wrapping_mul(b),
                    Div | IntDiv if b != 0 => a / b,
                    Mod if b != 0 => a % b,
                    _ => return Err(unknown()),
                })
            }
            ExprKind::Var(_) => {
                let var = *self.typed.var_refs.get(&e.id).ok_or_else(unknown)?;
                if let Some(v) = self.known_int_args.get(&var) {
                    return Ok(*v);
                }
                let info = self.typed.var(var);
                let data_like = matches!(
                    info.origin,
                    VarOrigin::Block(BlockKind::Data | BlockKind::TransformedData)
                );
                let storage = self.vars.get(&var).ok_or_else(unknown)?;
                if !data_like || !storage.is_int() || !storage.dims.is_empty() {
                    return Err(unknown());
                }
                let offset = self.module.layout.slot(storage.slot).offset;
                Ok(self.ints_arena[offset])
            }
            ExprKind::Indexed { base, indices } => {
                let ExprKind::Var(_) = base.kind else {
                    return Err(unknown());
                };
                let var = *self.typed.var_refs.get(&base.id).ok_or_else(unknown)?;
                let storage = self.vars.get(&var).cloned().ok_or_else(unknown)?;
                if !storage.is_int() || indices.len() != storage.dims.len() {
                    return Err(unknown());
                }
                let mut flat = 0usize;
                for (index, dim) in indices.iter().zip(&storage.dims) {
                    let ast::Index::Single(ix) = index else {
                        return Err(unknown());
                    };
                    let i = self.const_int(ix)?;
                    if i < 1 || i as usize > *dim {
                        return Err(LowerError::new(
                            ix.span,
                            format!("index {i} is out of range 1..{dim}"),
                        ));
                    }
                    flat = flat * dim + (i as usize - 1);
                }
                let offset = self.module.layout.slot(storage.slot).offset;
                Ok(self.ints_arena[offset + flat])
            }
            ExprKind::Call { name, args, .. } => {
                // The dims of a variable, or of an element of it picked by
                // single indices (`xs[1]` of an array of vectors).
                let dims_of = |this: &mut Self, a: &Expr| -> Result<Vec<usize>, LowerError> {
                    let (base, picked) = match &a.kind {
                        ExprKind::Var(_) => (a, 0),
                        ExprKind::Indexed { base, indices }
                            if matches!(base.kind, ExprKind::Var(_))
                                && indices.iter().all(|i| matches!(i, ast::Index::Single(_))) =>
                        {
                            (&**base, indices.len())
                        }
                        _ => return Err(unknown()),
                    };
                    let var = *this.typed.var_refs.get(&base.id).ok_or_else(unknown)?;
                    let dims = &this.vars.get(&var).ok_or_else(unknown)?.dims;
                    dims.get(picked..)
                        .map(<[usize]>::to_vec)
                        .ok_or_else(unknown)
                };
                match (name.name.as_str(), args.as_slice()) {
                    ("size", [a]) => Ok(*dims_of(self, a)?.first().unwrap_or(&1) as i64),
                    ("num_elements", [a]) => Ok(dims_of(self, a)?.iter().product::<usize>() as i64),
                    ("rows", [a]) | ("cols", [a]) => {
                        let d = dims_of(self, a)?;
                        let ty = self.typed.expr(a.id).map(|i| i.ty).ok_or_else(unknown)?;
                        let rows_cols = match (ty.base, d.len().checked_sub(ty.array_dims as usize))
                        {
                            (BaseType::Vector, Some(1)) => (d[d.len() - 1], 1),
                            (BaseType::RowVector, Some(1)) => (1, d[d.len() - 1]),
                            (BaseType::Matrix, Some(2)) => (d[d.len() - 2], d[d.len() - 1]),
                            _ => return Err(unknown()),
                        };
                        Ok(if name.name == "rows" {
                            rows_cols.0
                        } else {
                            rows_cols.1
                        } as i64)
                    }
                    ("max", [a, b]) => Ok(self.const_int(a)?.max(self.const_int(b)?)),
                    ("min", [a, b]) => Ok(self.const_int(a)?.min(self.const_int(b)?)),
                    _ => Err(unknown()),
                }
            }
            _ => Err(unknown()),
        }
    }
}
