//! Golden test: every constraint transform against Stan 2.39's log density and gradient of transforms_zoo.stan.
//!
//! The model (../shared/golden/logprob/transforms_zoo.stan) has one parameter
//! of every constrained type. Here its unconstrained vector `u` is sliced in
//! Stan's layout, each block is constrained with our transforms, the priors
//! are written by hand (the multivariate ones with our kernels), and the log
//! density is compared with Stan's `lp_full_jac` and `lp_full_nojac`. The
//! gradient is computed twice: by our reverse sweeps (the adjoints of the
//! priors pushed back through every transform) and by central finite
//! differences of our log density; both must equal Stan's `grad`.

use std::f64::consts::PI;
use stdlib::multivariate::{dirichlet_lpdf, lkj_corr_cholesky_lpdf, lkj_corr_lpdf, wishart_lpdf};
use stdlib::transforms::*;

const ZOO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/golden/logprob/transforms_zoo.json"
);

fn normal_lp(y: f64, mu: f64, sigma: f64) -> (f64, f64) {
    let z = (y - mu) / sigma;
    (
        -0.5 * (2.0 * PI).ln() - sigma.ln() - 0.5 * z * z,
        -z / sigma,
    )
}

/// One block of the unconstrained vector: where it starts and how long it is.
struct Cursor {
    pos: usize,
}

impl Cursor {
    fn take(&mut self, n: usize) -> std::ops::Range<usize> {
        let r = self.pos..self.pos + n;
        self.pos += n;
        r
    }
}

/// Log density of the zoo at `u`; when `grad` is given, adds the gradient by reverse sweeps.
fn zoo_lp(u: &[f64], jacobian: bool, grad: Option<&mut [f64]>) -> f64 {
    let mut dummy = vec![0.0; u.len()];
    let want_grad = grad.is_some();
    let g: &mut [f64] = match grad {
        Some(g) => g,
        None => &mut dummy,
    };
    let lj_adj = if jacobian { 1.0 } else { 0.0 };
    let mut lp = 0.0;
    let mut lj_total = 0.0;
    let mut c = Cursor { pos: 0 };

    // a: real<lower=0> ~ exponential(1)
    let r = c.take(1);
    let mut a = [0.0];
    lj_total += lower_bound_constrain(&u[r.clone()], &[0.0], &mut a).unwrap();
    lp += -a[0];
    lower_bound_reverse(&u[r.clone()], &[0.0], &[-1.0], lj_adj, &mut g[r], &mut []).unwrap();

    // b: real<upper=2> ~ normal(0, 3)
    let r = c.take(1);
    let mut b = [0.0];
    lj_total += upper_bound_constrain(&u[r.clone()], &[2.0], &mut b).unwrap();
    let (v, d) = normal_lp(b[0], 0.0, 3.0);
    lp += v;
    upper_bound_reverse(&u[r.clone()], &[2.0], &[d], lj_adj, &mut g[r], &mut []).unwrap();

    // c: real<lower=-1, upper=3> ~ uniform(-1, 3)
    let r = c.take(1);
    let mut cc = [0.0];
    lj_total += lower_upper_bound_constrain(&u[r.clone()], &[-1.0], &[3.0], &mut cc).unwrap();
    lp += -(4.0f64).ln();
    lower_upper_bound_reverse(
        &u[r.clone()],
        &[-1.0],
        &[3.0],
        &[0.0],
        lj_adj,
        &mut g[r],
        &mut [],
        &mut [],
    )
    .unwrap();

    // d: real<offset=1, multiplier=2> ~ normal(1, 2)
    let r = c.take(1);
    let mut dd = [0.0];
    lj_total += offset_multiplier_constrain(&u[r.clone()], &[1.0], &[2.0], &mut dd).unwrap();
    let (v, d) = normal_lp(dd[0], 1.0, 2.0);
    lp += v;
    offset_multiplier_reverse(
        &u[r.clone()],
        &[1.0],
        &[2.0],
        &[d],
        lj_adj,
        &mut g[r],
        &mut [],
        &mut [],
    )
    .unwrap();

    // e: vector<lower=0>[3] ~ lognormal(0, 1)
    let r = c.take(3);
    let mut e = [0.0; 3];
    lj_total += lower_bound_constrain(&u[r.clone()], &[0.0], &mut e).unwrap();
    let mut e_adj = [0.0; 3];
    for i in 0..3 {
        let ly = e[i].ln();
        lp += -0.5 * (2.0 * PI).ln() - ly - 0.5 * ly * ly;
        e_adj[i] = -1.0 / e[i] - ly / e[i];
    }
    lower_bound_reverse(&u[r.clone()], &[0.0], &e_adj, lj_adj, &mut g[r], &mut []).unwrap();

    // f: vector<lower=-2, upper=[1, 2, 3]'>[3] ~ normal(0, 2)
    let r = c.take(3);
    let ub = [1.0, 2.0, 3.0];
    let mut fv = [0.0; 3];
    lj_total += lower_upper_bound_constrain(&u[r.clone()], &[-2.0], &ub, &mut fv).unwrap();
    let mut f_adj = [0.0; 3];
    for i in 0..3 {
        let (v, d) = normal_lp(fv[i], 0.0, 2.0);
        lp += v;
        f_adj[i] = d;
    }
    lower_upper_bound_reverse(
        &u[r.clone()],
        &[-2.0],
        &ub,
        &f_adj,
        lj_adj,
        &mut g[r],
        &mut [],
        &mut [],
    )
    .unwrap();

    // s: simplex[4] ~ dirichlet([2, 2, 3, 1]')
    let r = c.take(3);
    let mut s = [0.0; 4];
    lj_total += simplex_constrain(&u[r.clone()], &mut s).unwrap();
    let mut s_adj = [0.0; 4];
    lp += dirichlet_lpdf(&s, &[2.0, 2.0, 3.0, 1.0], false, &mut s_adj, &mut []).unwrap();
    simplex_reverse(&s, &s_adj, lj_adj, &mut g[r]).unwrap();

    // u: unit_vector[3] ~ normal(0, 1)
    let r = c.take(3);
    let mut uv = [0.0; 3];
    lj_total += unit_vector_constrain(&u[r.clone()], &mut uv).unwrap();
    let mut uv_adj = [0.0; 3];
    for i in 0..3 {
        let (v, d) = normal_lp(uv[i], 0.0, 1.0);
        lp += v;
        uv_adj[i] = d;
    }
    unit_vector_reverse(&u[r.clone()], &uv, &uv_adj, lj_adj, &mut g[r]).unwrap();

    // z: sum_to_zero_vector[4] ~ normal(0, 1)
    let r = c.take(3);
    let mut z = [0.0; 4];
    lj_total += sum_to_zero_constrain(&u[r.clone()], &mut z).unwrap();
    let mut z_adj = [0.0; 4];
    for i in 0..4 {
        let (v, d) = normal_lp(z[i], 0.0, 1.0);
        lp += v;
        z_adj[i] = d;
    }
    sum_to_zero_reverse(&u[r.clone()], &z_adj, &mut g[r]).unwrap();

    // o: ordered[3] ~ normal(0, 3)
    let r = c.take(3);
    let mut o = [0.0; 3];
    lj_total += ordered_constrain(&u[r.clone()], &mut o).unwrap();
    let mut o_adj = [0.0; 3];
    for i in 0..3 {
        let (v, d) = normal_lp(o[i], 0.0, 3.0);
        lp += v;
        o_adj[i] = d;
    }
    ordered_reverse(&u[r.clone()], &o_adj, lj_adj, &mut g[r]).unwrap();

    // po: positive_ordered[3] ~ exponential(0.5)
    let r = c.take(3);
    let mut po = [0.0; 3];
    lj_total += positive_ordered_constrain(&u[r.clone()], &mut po).unwrap();
    for i in 0..3 {
        lp += (0.5f64).ln() - 0.5 * po[i];
    }
    positive_ordered_reverse(&u[r.clone()], &[-0.5; 3], lj_adj, &mut g[r]).unwrap();

    // Lc: cholesky_factor_corr[3] ~ lkj_corr_cholesky(2)
    let r = c.take(3);
    let mut lc = [0.0; 9];
    lj_total += cholesky_factor_corr_constrain(&u[r.clone()], 3, &mut lc).unwrap();
    let mut lc_adj = [0.0; 9];
    lp += lkj_corr_cholesky_lpdf(&lc, 3, 2.0, false, &mut lc_adj, &mut []).unwrap();
    cholesky_factor_corr_reverse(&u[r.clone()], 3, &lc, &lc_adj, lj_adj, &mut g[r]).unwrap();

    // Lv: cholesky_factor_cov[3]; to_vector(Lv) ~ normal(0, 2) (all 9 elements, zeros included)
    let r = c.take(6);
    let mut lv = [0.0; 9];
    lj_total += cholesky_factor_cov_constrain(&u[r.clone()], 3, 3, &mut lv).unwrap();
    let mut lv_adj = [0.0; 9];
    for i in 0..9 {
        let (v, d) = normal_lp(lv[i], 0.0, 2.0);
        lp += v;
        lv_adj[i] = d;
    }
    cholesky_factor_cov_reverse(&u[r.clone()], 3, 3, &lv_adj, lj_adj, &mut g[r]).unwrap();

    // Lr: cholesky_factor_cov[4, 3]; to_vector(Lr) ~ normal(0, 2)
    let r = c.take(9);
    let mut lr = [0.0; 12];
    lj_total += cholesky_factor_cov_constrain(&u[r.clone()], 4, 3, &mut lr).unwrap();
    let mut lr_adj = [0.0; 12];
    for i in 0..12 {
        let (v, d) = normal_lp(lr[i], 0.0, 2.0);
        lp += v;
        lr_adj[i] = d;
    }
    cholesky_factor_cov_reverse(&u[r.clone()], 4, 3, &lr_adj, lj_adj, &mut g[r]).unwrap();

    // R: corr_matrix[3] ~ lkj_corr(1.5)
    let r = c.take(3);
    let mut rm = [0.0; 9];
    lj_total += corr_matrix_constrain(&u[r.clone()], 3, &mut rm).unwrap();
    let mut rm_adj = [0.0; 9];
    lp += lkj_corr_lpdf(&rm, 3, 1.5, false, &mut rm_adj, &mut []).unwrap();
    corr_matrix_reverse(&u[r.clone()], 3, &rm_adj, lj_adj, &mut g[r]).unwrap();

    // S: cov_matrix[3] ~ wishart(5, I)
    let r = c.take(6);
    let mut sm = [0.0; 9];
    lj_total += cov_matrix_constrain(&u[r.clone()], 3, &mut sm).unwrap();
    let mut sm_adj = [0.0; 9];
    let eye = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    lp += wishart_lpdf(&sm, 3, 5.0, &eye, false, &mut sm_adj, &mut [], &mut []).unwrap();
    cov_matrix_reverse(&u[r.clone()], 3, &sm_adj, lj_adj, &mut g[r]).unwrap();

    // cs: column_stochastic_matrix[3, 2]; each column ~ dirichlet(rep_vector(1.5, 3))
    let r = c.take(4);
    let mut cs = [0.0; 6];
    lj_total += column_stochastic_constrain(&u[r.clone()], 3, 2, &mut cs).unwrap();
    let mut cs_adj = [0.0; 6];
    for j in 0..2 {
        lp += dirichlet_lpdf(
            &cs[3 * j..3 * j + 3],
            &[1.5; 3],
            false,
            &mut cs_adj[3 * j..3 * j + 3],
            &mut [],
        )
        .unwrap();
    }
    column_stochastic_reverse(&cs, 3, 2, &cs_adj, lj_adj, &mut g[r]).unwrap();

    // rs: row_stochastic_matrix[2, 3]; each row ~ dirichlet(rep_vector(2.5, 3))
    let r = c.take(4);
    let mut rs = [0.0; 6];
    lj_total += row_stochastic_constrain(&u[r.clone()], 2, 3, &mut rs).unwrap();
    let mut rs_adj = [0.0; 6];
    for i in 0..2 {
        let row = [rs[i], rs[i + 2], rs[i + 4]];
        let mut row_adj = [0.0; 3];
        lp += dirichlet_lpdf(&row, &[2.5; 3], false, &mut row_adj, &mut []).unwrap();
        for k in 0..3 {
            rs_adj[i + 2 * k] += row_adj[k];
        }
    }
    row_stochastic_reverse(&rs, 2, 3, &rs_adj, lj_adj, &mut g[r]).unwrap();

    // g: array[2] real<lower=0> ~ gamma(2, 1)
    let r = c.take(2);
    let mut gg = [0.0; 2];
    lj_total += lower_bound_constrain(&u[r.clone()], &[0.0], &mut gg).unwrap();
    let mut g_adj = [0.0; 2];
    for i in 0..2 {
        lp += gg[i].ln() - gg[i];
        g_adj[i] = 1.0 / gg[i] - 1.0;
    }
    lower_bound_reverse(&u[r.clone()], &[0.0], &g_adj, lj_adj, &mut g[r], &mut []).unwrap();

    assert_eq!(c.pos, u.len(), "the zoo's unconstrained size");
    let _ = want_grad;
    if jacobian {
        lp + lj_total
    } else {
        lp
    }
}

fn load() -> serde_json::Value {
    let text = std::fs::read_to_string(ZOO).expect("read transforms_zoo.json");
    serde_json::from_str(&text).expect("parse transforms_zoo.json")
}

fn as_vec(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn zoo_log_density_matches_stan() {
    let zoo = load();
    assert_eq!(zoo["dim"].as_u64().unwrap(), 62);
    for (p, point) in zoo["points"].as_array().unwrap().iter().enumerate() {
        let u = as_vec(&point["u"]);
        let jac = zoo_lp(&u, true, None);
        let nojac = zoo_lp(&u, false, None);
        let want_jac = point["lp_full_jac"].as_f64().unwrap();
        let want_nojac = point["lp_full_nojac"].as_f64().unwrap();
        println!("point {p}: lp_jac {jac} vs {want_jac} (diff {:e}); lp_nojac {nojac} vs {want_nojac} (diff {:e})", jac - want_jac, nojac - want_nojac);
        assert!(
            (jac - want_jac).abs() <= 1e-10 * want_jac.abs().max(1.0),
            "point {p}: lp_full_jac {jac} vs Stan {want_jac}"
        );
        assert!(
            (nojac - want_nojac).abs() <= 1e-10 * want_nojac.abs().max(1.0),
            "point {p}: lp_full_nojac {nojac} vs Stan {want_nojac}"
        );
    }
}

#[test]
fn zoo_reverse_gradient_matches_stan() {
    let zoo = load();
    for (p, point) in zoo["points"].as_array().unwrap().iter().enumerate() {
        let u = as_vec(&point["u"]);
        let want = as_vec(&point["grad"]);
        let mut g = vec![0.0; u.len()];
        zoo_lp(&u, true, Some(&mut g));
        let mut worst = 0.0f64;
        for i in 0..u.len() {
            let err = (g[i] - want[i]).abs() / want[i].abs().max(1.0);
            worst = worst.max(err);
            assert!(
                err <= 1e-8,
                "point {p}, u[{i}]: gradient {} vs Stan {}",
                g[i],
                want[i]
            );
        }
        println!("point {p}: worst relative gradient error {worst:e}");
    }
}

#[test]
fn zoo_finite_difference_gradient_matches_stan() {
    let zoo = load();
    for (p, point) in zoo["points"].as_array().unwrap().iter().enumerate() {
        let u = as_vec(&point["u"]);
        let want = as_vec(&point["grad"]);
        let mut worst = 0.0f64;
        for i in 0..u.len() {
            let h = 1e-6;
            let mut up = u.clone();
            up[i] += h;
            let mut dn = u.clone();
            dn[i] -= h;
            let fd = (zoo_lp(&up, true, None) - zoo_lp(&dn, true, None)) / (2.0 * h);
            let err = (fd - want[i]).abs() / want[i].abs().max(1.0);
            worst = worst.max(err);
            assert!(
                err <= 1e-6,
                "point {p}, u[{i}]: finite difference {fd} vs Stan {}",
                want[i]
            );
        }
        println!("point {p}: worst relative finite-difference error {worst:e}");
    }
}
