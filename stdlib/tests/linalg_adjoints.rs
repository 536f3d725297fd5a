//! Adjoints of the linear-algebra kernels and partials of the multivariate densities against central finite differences.

use stdlib::linalg::*;
use stdlib::multivariate::*;

/// How an input may be perturbed while staying in the function's domain.
#[derive(Clone, Copy, PartialEq)]
enum Dir {
    /// Any element on its own.
    Free,
    /// A symmetric `n x n` matrix: perturb `(i, j)` and `(j, i)` together; compare with `adj[i,j] + adj[j,i]`.
    Sym(usize),
    /// A correlation matrix: symmetric off-diagonal directions only.
    Corr(usize),
    /// A simplex: directions `e_i - e_last`.
    Simplex,
    /// A lower-triangular `n x n` matrix: lower elements only.
    Lower(usize),
}

/// Checks `adj` (the claimed gradient of `f` at `inputs`) against central differences.
fn fd_check(
    name: &str,
    inputs: &[Vec<f64>],
    dirs: &[Dir],
    f: &dyn Fn(&[Vec<f64>]) -> f64,
    adj: &[Vec<f64>],
) {
    let h = 1e-6;
    let eval = |which: usize, dir: &[(usize, f64)]| {
        let mut up = inputs.to_vec();
        let mut dn = inputs.to_vec();
        for &(p, s) in dir {
            up[which][p] += s * h;
            dn[which][p] -= s * h;
        }
        (f(&up) - f(&dn)) / (2.0 * h)
    };
    for (w, (x, dir)) in inputs.iter().zip(dirs).enumerate() {
        if adj[w].is_empty() {
            continue;
        }
        let mut directions: Vec<(Vec<(usize, f64)>, f64)> = Vec::new();
        match *dir {
            Dir::Free => {
                for p in 0..x.len() {
                    directions.push((vec![(p, 1.0)], adj[w][p]));
                }
            }
            Dir::Sym(n) | Dir::Corr(n) => {
                for j in 0..n {
                    for i in j..n {
                        if i == j {
                            if *dir == Dir::Sym(n) {
                                directions.push((vec![(i + i * n, 1.0)], adj[w][i + i * n]));
                            }
                        } else {
                            directions.push((
                                vec![(i + j * n, 1.0), (j + i * n, 1.0)],
                                adj[w][i + j * n] + adj[w][j + i * n],
                            ));
                        }
                    }
                }
            }
            Dir::Lower(n) => {
                for j in 0..n {
                    for i in j..n {
                        directions.push((vec![(i + j * n, 1.0)], adj[w][i + j * n]));
                    }
                }
            }
            Dir::Simplex => {
                let last = x.len() - 1;
                for p in 0..last {
                    directions.push((vec![(p, 1.0), (last, -1.0)], adj[w][p] - adj[w][last]));
                }
            }
        }
        for (d, claimed) in directions {
            let fd = eval(w, &d);
            let err = (fd - claimed).abs() / fd.abs().max(1.0);
            assert!(
                err < 1e-6,
                "{name}: input {w}, direction {d:?}: adjoint {claimed} vs finite difference {fd}"
            );
        }
    }
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next()).collect()
    }
    /// A well-conditioned SPD `n x n` matrix.
    fn spd(&mut self, n: usize) -> Vec<f64> {
        let a = self.vec(n * n);
        let mut s = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                s[i + j * n] = (0..n).map(|k| a[i + k * n] * a[j + k * n]).sum::<f64>()
                    + if i == j { n as f64 } else { 0.0 };
            }
        }
        s
    }
    /// A lower-triangular `n x n` matrix with diagonal in (1, 2).
    fn lower(&mut self, n: usize) -> Vec<f64> {
        let mut l = vec![0.0; n * n];
        for j in 0..n {
            for i in j..n {
                l[i + j * n] = if i == j {
                    1.5 + 0.5 * self.next()
                } else {
                    self.next()
                };
            }
        }
        l
    }
}

fn dotw(g: &[f64], out: &[f64]) -> f64 {
    g.iter().zip(out).map(|(a, b)| a * b).sum()
}

#[test]
fn product_adjoints() {
    let mut r = Lcg(3);
    // multiply in several shapes: (m, k, n)
    for &(m, k, n) in &[(3, 4, 2), (3, 4, 1), (1, 4, 3), (1, 4, 1), (3, 1, 2)] {
        let (a, b, g) = (r.vec(m * k), r.vec(k * n), r.vec(m * n));
        let f = |x: &[Vec<f64>]| {
            let mut c = vec![0.0; m * n];
            multiply(&x[0], m, k, &x[1], n, &mut c).unwrap();
            dotw(&g, &c)
        };
        let (mut aa, mut ba) = (vec![0.0; m * k], vec![0.0; k * n]);
        multiply_reverse(&a, m, k, &b, n, &g, &mut aa, &mut ba).unwrap();
        fd_check("multiply", &[a, b], &[Dir::Free, Dir::Free], &f, &[aa, ba]);
    }
    let (m, n) = (4, 3);
    let a = r.vec(m * n);
    let g = r.vec(m * m);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; m * m];
        tcrossprod(&x[0], m, n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut aa = vec![0.0; m * n];
    tcrossprod_reverse(&a, m, n, &g, &mut aa).unwrap();
    fd_check("tcrossprod", &[a.clone()], &[Dir::Free], &f, &[aa]);
    let g = r.vec(n * n);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; n * n];
        crossprod(&x[0], m, n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut aa = vec![0.0; m * n];
    crossprod_reverse(&a, m, n, &g, &mut aa).unwrap();
    fd_check("crossprod", &[a.clone()], &[Dir::Free], &f, &[aa]);
    let g = r.vec(m * m);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; m * m];
        multiply_lower_tri_self_transpose(&x[0], m, n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut aa = vec![0.0; m * n];
    multiply_lower_tri_self_transpose_reverse(&a, m, n, &g, &mut aa).unwrap();
    fd_check(
        "multiply_lower_tri_self_transpose",
        &[a.clone()],
        &[Dir::Free],
        &f,
        &[aa],
    );
    // diag_pre_multiply / diag_post_multiply
    let (v, w, g) = (r.vec(m), r.vec(n), r.vec(m * n));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; m * n];
        diag_pre_multiply(&x[0], &x[1], m, n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let (mut va, mut aa) = (vec![0.0; m], vec![0.0; m * n]);
    diag_pre_multiply_reverse(&v, &a, m, n, &g, &mut va, &mut aa).unwrap();
    fd_check(
        "diag_pre_multiply",
        &[v, a.clone()],
        &[Dir::Free, Dir::Free],
        &f,
        &[va, aa],
    );
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; m * n];
        diag_post_multiply(&x[0], m, n, &x[1], &mut c).unwrap();
        dotw(&g, &c)
    };
    let (mut aa, mut wa) = (vec![0.0; m * n], vec![0.0; n]);
    diag_post_multiply_reverse(&a, m, n, &w, &g, &mut aa, &mut wa).unwrap();
    fd_check(
        "diag_post_multiply",
        &[a, w],
        &[Dir::Free, Dir::Free],
        &f,
        &[aa, wa],
    );
    // quad_form, quad_form_sym, quad_form_diag
    let (k, q) = (4, 2);
    let (am, b, g) = (r.vec(k * k), r.vec(k * q), r.vec(q * q));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; q * q];
        quad_form(&x[0], k, &x[1], q, &mut c).unwrap();
        dotw(&g, &c)
    };
    let (mut aa, mut ba) = (vec![0.0; k * k], vec![0.0; k * q]);
    quad_form_reverse(&am, k, &b, q, &g, &mut aa, &mut ba).unwrap();
    fd_check(
        "quad_form",
        &[am, b.clone()],
        &[Dir::Free, Dir::Free],
        &f,
        &[aa, ba],
    );
    let s = r.spd(k);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; q * q];
        quad_form_sym(&x[0], k, &x[1], q, &mut c).unwrap();
        dotw(&g, &c)
    };
    let (mut sa, mut ba) = (vec![0.0; k * k], vec![0.0; k * q]);
    quad_form_sym_reverse(&s, k, &b, q, &g, &mut sa, &mut ba).unwrap();
    fd_check(
        "quad_form_sym",
        &[s.clone(), b],
        &[Dir::Sym(k), Dir::Free],
        &f,
        &[sa, ba],
    );
    let (v, g) = (r.vec(k), r.vec(k * k));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; k * k];
        quad_form_diag(&x[0], k, &x[1], &mut c).unwrap();
        dotw(&g, &c)
    };
    let (mut sa, mut va) = (vec![0.0; k * k], vec![0.0; k]);
    quad_form_diag_reverse(&s, k, &v, &g, &mut sa, &mut va).unwrap();
    fd_check(
        "quad_form_diag",
        &[s, v],
        &[Dir::Free, Dir::Free],
        &f,
        &[sa, va],
    );
    // dot_product, softmax, log_softmax
    let (x1, x2) = (r.vec(5), r.vec(5));
    let f = |x: &[Vec<f64>]| 1.7 * dot_product(&x[0], &x[1]).unwrap();
    let (mut a1, mut a2) = (vec![0.0; 5], vec![0.0; 5]);
    dot_product_reverse(&x1, &x2, 1.7, &mut a1, &mut a2).unwrap();
    fd_check(
        "dot_product",
        &[x1.clone(), x2],
        &[Dir::Free, Dir::Free],
        &f,
        &[a1, a2],
    );
    let g = r.vec(5);
    for log in [false, true] {
        let f = |x: &[Vec<f64>]| {
            let mut y = vec![0.0; 5];
            if log {
                log_softmax(&x[0], &mut y).unwrap()
            } else {
                softmax(&x[0], &mut y).unwrap()
            };
            dotw(&g, &y)
        };
        let mut y = vec![0.0; 5];
        let mut xa = vec![0.0; 5];
        if log {
            log_softmax(&x1, &mut y).unwrap();
            log_softmax_reverse(&y, &g, &mut xa).unwrap();
        } else {
            softmax(&x1, &mut y).unwrap();
            softmax_reverse(&y, &g, &mut xa).unwrap();
        }
        fd_check("softmax", &[x1.clone()], &[Dir::Free], &f, &[xa]);
    }
}

#[test]
fn solve_and_factor_adjoints() {
    let mut r = Lcg(5);
    let (n, m) = (4, 3);
    // cholesky_decompose: adjoint on the lower triangle; symmetric directions.
    let a = r.spd(n);
    let g = r.lower(n);
    let f = |x: &[Vec<f64>]| {
        let mut l = vec![0.0; n * n];
        cholesky_decompose(&x[0], n, &mut l).unwrap();
        dotw(&g, &l)
    };
    let mut l = vec![0.0; n * n];
    cholesky_decompose(&a, n, &mut l).unwrap();
    let mut aa = vec![0.0; n * n];
    cholesky_decompose_reverse(&l, n, &g, &mut aa).unwrap();
    fd_check(
        "cholesky_decompose",
        &[a.clone()],
        &[Dir::Sym(n)],
        &f,
        &[aa],
    );
    // triangular solves
    let (lt, b, g) = (r.lower(n), r.vec(n * m), r.vec(n * m));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; n * m];
        mdivide_left_tri_low(&x[0], n, &x[1], m, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut c = vec![0.0; n * m];
    mdivide_left_tri_low(&lt, n, &b, m, &mut c).unwrap();
    let (mut la, mut ba) = (vec![0.0; n * n], vec![0.0; n * m]);
    mdivide_left_tri_low_reverse(&lt, n, &c, m, &g, &mut la, &mut ba).unwrap();
    fd_check(
        "mdivide_left_tri_low",
        &[lt.clone(), b],
        &[Dir::Lower(n), Dir::Free],
        &f,
        &[la, ba],
    );
    let (b, g) = (r.vec(m * n), r.vec(m * n));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; m * n];
        mdivide_right_tri_low(&x[0], m, &x[1], n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut c = vec![0.0; m * n];
    mdivide_right_tri_low(&b, m, &lt, n, &mut c).unwrap();
    let (mut ba, mut la) = (vec![0.0; m * n], vec![0.0; n * n]);
    mdivide_right_tri_low_reverse(&c, m, &lt, n, &g, &mut ba, &mut la).unwrap();
    fd_check(
        "mdivide_right_tri_low",
        &[b, lt],
        &[Dir::Free, Dir::Lower(n)],
        &f,
        &[ba, la],
    );
    // mdivide_left_spd
    let (b, g) = (r.vec(n * m), r.vec(n * m));
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; n * m];
        mdivide_left_spd(&x[0], n, &x[1], m, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut c = vec![0.0; n * m];
    mdivide_left_spd(&a, n, &b, m, &mut c).unwrap();
    let (mut aa, mut ba) = (vec![0.0; n * n], vec![0.0; n * m]);
    mdivide_left_spd_reverse(&a, n, &c, m, &g, &mut aa, &mut ba).unwrap();
    fd_check(
        "mdivide_left_spd",
        &[a.clone(), b],
        &[Dir::Sym(n), Dir::Free],
        &f,
        &[aa, ba],
    );
    // inverse, inverse_spd, log_determinant, determinant, eigenvalues_sym
    let gen = r.vec(n * n);
    let g = r.vec(n * n);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; n * n];
        inverse(&x[0], n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut inv = vec![0.0; n * n];
    inverse(&gen, n, &mut inv).unwrap();
    let mut ga = vec![0.0; n * n];
    inverse_reverse(&inv, n, &g, &mut ga).unwrap();
    fd_check("inverse", &[gen.clone()], &[Dir::Free], &f, &[ga]);
    let f = |x: &[Vec<f64>]| {
        let mut c = vec![0.0; n * n];
        inverse_spd(&x[0], n, &mut c).unwrap();
        dotw(&g, &c)
    };
    let mut inv = vec![0.0; n * n];
    inverse_spd(&a, n, &mut inv).unwrap();
    let mut aa = vec![0.0; n * n];
    inverse_reverse(&inv, n, &g, &mut aa).unwrap();
    fd_check("inverse_spd", &[a.clone()], &[Dir::Sym(n)], &f, &[aa]);
    let f = |x: &[Vec<f64>]| 0.8 * log_determinant(&x[0], n).unwrap();
    let mut ga = vec![0.0; n * n];
    log_determinant_reverse(&gen, n, 0.8, &mut ga).unwrap();
    fd_check("log_determinant", &[gen.clone()], &[Dir::Free], &f, &[ga]);
    let f = |x: &[Vec<f64>]| 0.8 * determinant(&x[0], n).unwrap();
    let mut ga = vec![0.0; n * n];
    determinant_reverse(&gen, n, 0.8, &mut ga).unwrap();
    fd_check("determinant", &[gen], &[Dir::Free], &f, &[ga]);
    let g = r.vec(n);
    let f = |x: &[Vec<f64>]| {
        let mut v = vec![0.0; n];
        eigenvalues_sym(&x[0], n, &mut v).unwrap();
        dotw(&g, &v)
    };
    let mut aa = vec![0.0; n * n];
    eigenvalues_sym_reverse(&a, n, &g, &mut aa).unwrap();
    fd_check("eigenvalues_sym", &[a], &[Dir::Sym(n)], &f, &[aa]);
}

#[test]
fn determinants_and_eigenvalues_values() {
    let a = [4.0, 1.0, 2.0, 3.0]; // [[4, 2], [1, 3]]
    assert!((determinant(&a, 2).unwrap() - 10.0).abs() < 1e-12);
    assert!((log_determinant(&a, 2).unwrap() - 10f64.ln()).abs() < 1e-12);
    let s = [2.0, 1.0, 1.0, 2.0];
    let mut v = [0.0; 2];
    eigenvalues_sym(&s, 2, &mut v).unwrap();
    assert!((v[0] - 1.0).abs() < 1e-12 && (v[1] - 3.0).abs() < 1e-12);
    let mut inv = [0.0; 4];
    inverse(&a, 2, &mut inv).unwrap();
    assert!((inv[0] - 0.3).abs() < 1e-12 && (inv[2] + 0.2).abs() < 1e-12);
    assert!(inverse(&[1.0, 2.0, 2.0, 4.0], 2, &mut inv).is_err());
    assert!(cholesky_decompose(&[1.0, 2.0, 2.0, 1.0], 2, &mut inv).is_err());
    assert!(cholesky_decompose(&[1.0, 0.0, 0.5, 1.0], 2, &mut inv).is_err());
    assert_eq!(determinant(&[1.0, 2.0, 2.0, 4.0], 2).unwrap(), 0.0);
}

#[test]
fn gp_adjoints() {
    let mut r = Lcg(9);
    let (n1, n2, d) = (4, 3, 2);
    let (x1, x2) = (r.vec(n1 * d), r.vec(n2 * d));
    let kernels = |s: f64, l: f64, p: f64| {
        vec![
            GpKernel::ExpQuad {
                sigma: s,
                length_scale: l,
            },
            GpKernel::Matern32 {
                sigma: s,
                length_scale: l,
            },
            GpKernel::Matern52 {
                sigma: s,
                length_scale: l,
            },
            GpKernel::Exponential {
                sigma: s,
                length_scale: l,
            },
            GpKernel::Periodic {
                sigma: s,
                length_scale: l,
                period: p,
            },
            GpKernel::DotProd { sigma: s },
        ]
    };
    for which in 0..6 {
        for two_inputs in [false, true] {
            let n2e = if two_inputs { n2 } else { n1 };
            let g = r.vec(n1 * n2e);
            let f = |x: &[Vec<f64>]| {
                let kern = kernels(x[2][0], x[3][0], x[4][0])[which];
                let mut out = vec![0.0; n1 * n2e];
                gp_cov(
                    kern,
                    &x[0],
                    if two_inputs { Some(&x[1]) } else { None },
                    d,
                    &mut out,
                )
                .unwrap();
                dotw(&g, &out)
            };
            let kern = kernels(1.3, 0.7, 1.9)[which];
            let mut x1a = vec![0.0; n1 * d];
            let mut x2a = if two_inputs {
                vec![0.0; n2 * d]
            } else {
                vec![]
            };
            let mut hyp = GpHyperAdjoint::default();
            gp_cov_reverse(
                kern,
                &x1,
                if two_inputs { Some(&x2) } else { None },
                d,
                &g,
                &mut x1a,
                &mut x2a,
                &mut hyp,
            )
            .unwrap();
            let inputs = [x1.clone(), x2.clone(), vec![1.3], vec![0.7], vec![1.9]];
            let adj = [
                x1a,
                x2a,
                vec![hyp.sigma],
                if which == 5 {
                    vec![]
                } else {
                    vec![hyp.length_scale]
                },
                if which == 4 { vec![hyp.period] } else { vec![] },
            ];
            fd_check(
                &format!("gp kernel {which}"),
                &inputs,
                &[Dir::Free; 5],
                &f,
                &adj,
            );
        }
    }
}

#[test]
fn density_partials() {
    let mut r = Lcg(13);
    let k = 3;
    let n = 2;
    let (y, mu) = (r.vec(n * k), r.vec(k));
    let sigma = r.spd(k);
    let l = r.lower(k);
    for propto in [false, true] {
        // multi_normal_cholesky
        let f = |x: &[Vec<f64>]| {
            multi_normal_cholesky_lpdf(
                &x[0],
                &x[1],
                &x[2],
                k,
                propto,
                &mut [0.0; 6],
                &mut [0.0; 3],
                &mut [0.0; 9],
            )
            .unwrap()
        };
        let (mut dy, mut dm, mut dl) = (vec![0.0; n * k], vec![0.0; k], vec![0.0; k * k]);
        multi_normal_cholesky_lpdf(&y, &mu, &l, k, propto, &mut dy, &mut dm, &mut dl).unwrap();
        fd_check(
            "multi_normal_cholesky",
            &[y.clone(), mu.clone(), l.clone()],
            &[Dir::Free, Dir::Free, Dir::Lower(k)],
            &f,
            &[dy, dm, dl],
        );
        // multi_normal and multi_normal_prec
        let f = |x: &[Vec<f64>]| {
            multi_normal_lpdf(
                &x[0],
                &x[1],
                &x[2],
                k,
                propto,
                &mut [0.0; 6],
                &mut [0.0; 3],
                &mut [0.0; 9],
            )
            .unwrap()
        };
        let (mut dy, mut dm, mut ds) = (vec![0.0; n * k], vec![0.0; k], vec![0.0; k * k]);
        multi_normal_lpdf(&y, &mu, &sigma, k, propto, &mut dy, &mut dm, &mut ds).unwrap();
        fd_check(
            "multi_normal",
            &[y.clone(), mu.clone(), sigma.clone()],
            &[Dir::Free, Dir::Free, Dir::Sym(k)],
            &f,
            &[dy, dm, ds],
        );
        let f = |x: &[Vec<f64>]| {
            multi_normal_prec_lpdf(
                &x[0],
                &x[1],
                &x[2],
                k,
                propto,
                &mut [0.0; 6],
                &mut [0.0; 3],
                &mut [0.0; 9],
            )
            .unwrap()
        };
        let (mut dy, mut dm, mut ds) = (vec![0.0; n * k], vec![0.0; k], vec![0.0; k * k]);
        multi_normal_prec_lpdf(&y, &mu, &sigma, k, propto, &mut dy, &mut dm, &mut ds).unwrap();
        fd_check(
            "multi_normal_prec",
            &[y.clone(), mu.clone(), sigma.clone()],
            &[Dir::Free, Dir::Free, Dir::Sym(k)],
            &f,
            &[dy, dm, ds],
        );
        // multi_student_t and its Cholesky form
        let f = |x: &[Vec<f64>]| {
            multi_student_t_lpdf(
                &x[0],
                x[1][0],
                &x[2],
                &x[3],
                k,
                propto,
                &mut [0.0; 6],
                &mut [0.0],
                &mut [0.0; 3],
                &mut [0.0; 9],
            )
            .unwrap()
        };
        let (mut dy, mut dn, mut dm, mut ds) =
            (vec![0.0; n * k], vec![0.0], vec![0.0; k], vec![0.0; k * k]);
        multi_student_t_lpdf(
            &y, 4.5, &mu, &sigma, k, propto, &mut dy, &mut dn, &mut dm, &mut ds,
        )
        .unwrap();
        fd_check(
            "multi_student_t",
            &[y.clone(), vec![4.5], mu.clone(), sigma.clone()],
            &[Dir::Free, Dir::Free, Dir::Free, Dir::Sym(k)],
            &f,
            &[dy, dn, dm, ds],
        );
        let f = |x: &[Vec<f64>]| {
            multi_student_t_cholesky_lpdf(
                &x[0],
                x[1][0],
                &x[2],
                &x[3],
                k,
                propto,
                &mut [0.0; 6],
                &mut [0.0],
                &mut [0.0; 3],
                &mut [0.0; 9],
            )
            .unwrap()
        };
        let (mut dy, mut dn, mut dm, mut dl) =
            (vec![0.0; n * k], vec![0.0], vec![0.0; k], vec![0.0; k * k]);
        multi_student_t_cholesky_lpdf(
            &y, 4.5, &mu, &l, k, propto, &mut dy, &mut dn, &mut dm, &mut dl,
        )
        .unwrap();
        fd_check(
            "multi_student_t_cholesky",
            &[y.clone(), vec![4.5], mu.clone(), l.clone()],
            &[Dir::Free, Dir::Free, Dir::Free, Dir::Lower(k)],
            &f,
            &[dy, dn, dm, dl],
        );
        // wishart and inv_wishart
        let w = r.spd(k);
        for inv in [false, true] {
            let dens = if inv { inv_wishart_lpdf } else { wishart_lpdf };
            let f = |x: &[Vec<f64>]| {
                dens(
                    &x[0],
                    k,
                    x[1][0],
                    &x[2],
                    propto,
                    &mut [0.0; 9],
                    &mut [0.0],
                    &mut [0.0; 9],
                )
                .unwrap()
            };
            let (mut dw, mut dn, mut ds) = (vec![0.0; k * k], vec![0.0], vec![0.0; k * k]);
            dens(&w, k, 5.5, &sigma, propto, &mut dw, &mut dn, &mut ds).unwrap();
            fd_check(
                "wishart",
                &[w.clone(), vec![5.5], sigma.clone()],
                &[Dir::Sym(k), Dir::Free, Dir::Sym(k)],
                &f,
                &[dw, dn, ds],
            );
        }
        // lkj_corr_cholesky and lkj_corr on a correlation matrix
        let mut lc = vec![0.0; k * k];
        stdlib::transforms::cholesky_factor_corr_constrain(&[0.3, -0.5, 0.8], k, &mut lc).unwrap();
        let f = |x: &[Vec<f64>]| {
            lkj_corr_cholesky_lpdf(&x[0], k, x[1][0], propto, &mut [0.0; 9], &mut [0.0]).unwrap()
        };
        let (mut dl, mut de) = (vec![0.0; k * k], vec![0.0]);
        lkj_corr_cholesky_lpdf(&lc, k, 2.3, propto, &mut dl, &mut de).unwrap();
        fd_check(
            "lkj_corr_cholesky",
            &[lc.clone(), vec![2.3]],
            &[Dir::Lower(k), Dir::Free],
            &f,
            &[dl, de],
        );
        let mut omega = vec![0.0; k * k];
        stdlib::transforms::corr_matrix_constrain(&[0.3, -0.5, 0.8], k, &mut omega).unwrap();
        let f = |x: &[Vec<f64>]| {
            lkj_corr_lpdf(&x[0], k, x[1][0], propto, &mut [0.0; 9], &mut [0.0]).unwrap()
        };
        let (mut d_o, mut de) = (vec![0.0; k * k], vec![0.0]);
        lkj_corr_lpdf(&omega, k, 2.3, propto, &mut d_o, &mut de).unwrap();
        fd_check(
            "lkj_corr",
            &[omega, vec![2.3]],
            &[Dir::Corr(k), Dir::Free],
            &f,
            &[d_o, de],
        );
        // dirichlet
        let theta = vec![0.2, 0.5, 0.3];
        let alpha = vec![1.5, 0.7, 3.0];
        let f = |x: &[Vec<f64>]| {
            dirichlet_lpdf(&x[0], &x[1], propto, &mut [0.0; 3], &mut [0.0; 3]).unwrap()
        };
        let (mut dt, mut da) = (vec![0.0; 3], vec![0.0; 3]);
        dirichlet_lpdf(&theta, &alpha, propto, &mut dt, &mut da).unwrap();
        fd_check(
            "dirichlet",
            &[theta, alpha],
            &[Dir::Simplex, Dir::Free],
            &f,
            &[dt, da],
        );
    }
}

#[test]
fn propto_drops_only_constant_terms() {
    let (y, mu) = ([0.3, -0.2], [0.1, 0.4]);
    let l = [1.2, 0.3, 0.0, 0.9];
    let full =
        multi_normal_cholesky_lpdf(&y, &mu, &l, 2, false, &mut [], &mut [], &mut []).unwrap();
    // All data: every term is constant and dropped.
    assert_eq!(
        multi_normal_cholesky_lpdf(&y, &mu, &l, 2, true, &mut [], &mut [], &mut []).unwrap(),
        0.0
    );
    // y a parameter, L data: only the quadratic form stays.
    let quad =
        multi_normal_cholesky_lpdf(&y, &mu, &l, 2, true, &mut [0.0; 2], &mut [], &mut []).unwrap();
    let log_det = (1.2f64).ln() + (0.9f64).ln();
    assert!((full - (quad - (2.0 * std::f64::consts::PI).ln() - log_det)).abs() < 1e-12);
    // L a parameter: the log-determinant stays too.
    let with_l =
        multi_normal_cholesky_lpdf(&y, &mu, &l, 2, true, &mut [], &mut [], &mut [0.0; 4]).unwrap();
    assert!((full - (with_l - (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
}
