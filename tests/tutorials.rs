//! End-to-end tests of the walkthroughs in docs/tutorial/: every `cmod` command
//! shown there is run here, and its posterior is checked against the example's
//! truth.json (or, for the models meant to fail, checked to miss as the
//! walkthrough says).
//!
//! The commands are taken from the docs as written, plus `--output-dir`. The
//! slow ones also get `--chains 2 --iter-warmup 300 --iter-sampling 300` to
//! keep the suite fast; set `CMOD_TUTORIAL_FULL=1` to run every command
//! exactly as the docs show it.

use runtime::diagnostics::{ess_bulk, quantile, rhat};
use runtime::stan_csv::read_stan_csv;
use runtime::ChainDraws;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const EIGHT_SCHOOLS: &str = "docs/tutorial/eight-schools.md";
const CORRELATED: &str = "docs/tutorial/correlated-predictors.md";
const VARYING: &str = "docs/tutorial/varying-slopes.md";
const VARIANCE: &str = "docs/tutorial/variance-components.md";

const ES_CENTERED: &str = "cmod run examples/eight_schools/eight_schools_centered.cmod --data examples/eight_schools/data.json --seed 1234 --adaptation stan";
const ES_CENTERED_095: &str = "cmod run examples/eight_schools/eight_schools_centered.cmod --data examples/eight_schools/data.json --seed 1234 --adaptation stan --adapt-delta 0.95";
const ES_NONCENTERED: &str = "cmod run examples/eight_schools/eight_schools_noncentered.cmod --data examples/eight_schools/data.json --seed 1234 --adaptation stan";
const ES_CENTERED_DEFAULT: &str = "cmod run examples/eight_schools/eight_schools_centered.cmod --data examples/eight_schools/data.json --seed 1234";
const ES_NONCENTERED_DEFAULT: &str = "cmod run examples/eight_schools/eight_schools_noncentered.cmod --data examples/eight_schools/data.json --seed 1234";
const CP_CHOLESKY: &str = "cmod run examples/correlated_predictors/correlated_predictors_cholesky.cmod --data examples/correlated_predictors/data.json --seed 1234";
const CP_CORR_MATRIX: &str = "cmod run examples/correlated_predictors/correlated_predictors_corr_matrix.cmod --data examples/correlated_predictors/data.json --seed 1234";
const VS_CENTERED: &str = "cmod run examples/varying_slopes/varying_slopes_centered.cmod --data examples/varying_slopes/data.json --seed 1234 --adaptation stan";
const VS_NONCENTERED: &str = "cmod run examples/varying_slopes/varying_slopes_noncentered.cmod --data examples/varying_slopes/data.json --seed 1234 --adaptation stan";
const VC_THREE: &str = "cmod run examples/variance_components/three_random_intercept.cmod --data examples/variance_components/data_three_long.json --seed 1234";
const VC_ONE_VARIANCE: &str = "cmod run examples/variance_components/four_one_variance.cmod --data examples/variance_components/data_four_long.json --seed 1234";
const VC_TWO_VARIANCES: &str = "cmod run examples/variance_components/four_two_variances.cmod --data examples/variance_components/data_four_long.json --seed 1234";
const VC_BIVARIATE: &str = "cmod run examples/variance_components/four_bivariate.cmod --data examples/variance_components/data_four_wide.json --seed 1234";
const VC_OPTIMIZE: &str = "cmod optimize examples/variance_components/four_bivariate.cmod --data examples/variance_components/data_four_wide.json --seed 1234";
const VC_LAPLACE: &str = "cmod laplace examples/variance_components/four_bivariate.cmod --data examples/variance_components/data_four_wide.json --jacobian false --seed 1234";

/// Every command the tests below run, with the walkthrough that shows it.
const TESTED: &[(&str, &str)] = &[
    (EIGHT_SCHOOLS, ES_CENTERED),
    (EIGHT_SCHOOLS, ES_CENTERED_095),
    (EIGHT_SCHOOLS, ES_NONCENTERED),
    (EIGHT_SCHOOLS, ES_CENTERED_DEFAULT),
    (EIGHT_SCHOOLS, ES_NONCENTERED_DEFAULT),
    (CORRELATED, CP_CHOLESKY),
    (CORRELATED, CP_CORR_MATRIX),
    (VARYING, VS_CENTERED),
    (VARYING, VS_NONCENTERED),
    (VARIANCE, VC_THREE),
    (VARIANCE, VC_ONE_VARIANCE),
    (VARIANCE, VC_TWO_VARIANCES),
    (VARIANCE, VC_BIVARIATE),
    (VARIANCE, VC_OPTIMIZE),
    (VARIANCE, VC_LAPLACE),
];

/// The commands a walkthrough shows: the lines of its code blocks that start with `$ cmod `.
fn doc_commands(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(doc)).expect("the walkthrough exists");
    let mut in_block = false;
    let mut commands = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
        } else if in_block {
            if let Some(command) = line.trim().strip_prefix("$ ") {
                if command.starts_with("cmod ") {
                    commands.push(command.to_string());
                }
            }
        }
    }
    commands
}

/// The draws of one run.
struct Run {
    chains: Vec<ChainDraws>,
    text: String,
}

impl Run {
    fn column(&self, name: &str) -> Vec<Vec<f64>> {
        self.chains
            .iter()
            .map(|c| {
                c.sampling_column_named(name)
                    .unwrap_or_else(|| panic!("no column {name}"))
            })
            .collect()
    }

    fn all(&self, name: &str) -> Vec<f64> {
        self.column(name).concat()
    }

    /// The 5% and 95% quantiles of a quantity over all chains.
    fn interval90(&self, name: &str) -> (f64, f64) {
        let draws = self.all(name);
        (quantile(&draws, 0.05), quantile(&draws, 0.95))
    }

    fn divergences(&self) -> usize {
        self.all("divergent__").iter().filter(|d| **d > 0.0).count()
    }

    /// The number of divergent transitions in each chain.
    fn divergences_per_chain(&self) -> Vec<usize> {
        self.column("divergent__")
            .iter()
            .map(|c| c.iter().filter(|d| **d > 0.0).count())
            .collect()
    }

    /// The values of `name` at the divergent transitions.
    fn at_divergences(&self, name: &str) -> Vec<f64> {
        let divergent = self.all("divergent__");
        self.all(name)
            .into_iter()
            .zip(divergent)
            .filter(|(_, d)| *d > 0.0)
            .map(|(v, _)| v)
            .collect()
    }

    /// For each chain, the value of `name` it repeats most often and how often.
    fn most_repeated_per_chain(&self, name: &str) -> Vec<(f64, usize)> {
        self.column(name)
            .into_iter()
            .map(|mut draws| {
                draws.sort_by(f64::total_cmp);
                let mut best = (f64::NAN, 0);
                for run in draws.chunk_by(|a, b| a == b) {
                    if run.len() > best.1 {
                        best = (run[0], run.len());
                    }
                }
                best
            })
            .collect()
    }

    /// How many chains cmod warned about for an E-BFMI below 0.3.
    fn low_e_bfmi_warnings(&self) -> usize {
        self.text.matches("has an E-BFMI of").count()
    }

    fn rhat(&self, name: &str) -> f64 {
        rhat(&self.column(name))
    }

    fn ess_bulk(&self, name: &str) -> f64 {
        ess_bulk(&self.column(name))
    }

    /// Asserts that the 90% posterior interval of `name` contains `truth`.
    fn covers(&self, name: &str, truth: f64) {
        let (lo, hi) = self.interval90(name);
        assert!(
            lo <= truth && truth <= hi,
            "{name}: 90% interval [{lo:.3}, {hi:.3}] misses the true {truth}"
        );
    }
}

/// Runs a command shown in `doc` (checked to be there), shortened unless
/// `CMOD_TUTORIAL_FULL` is set and `shorten` is true.
fn run_doc_command(doc: &str, command: &str, shorten: bool) -> Run {
    assert!(
        doc_commands(doc).iter().any(|c| c == command),
        "{doc} does not show `{command}`"
    );
    let mut words = command.split_whitespace();
    assert_eq!(words.next(), Some("cmod"));
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let out_dir = std::env::temp_dir().join(format!(
        "cmod-tutorial-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cmod"));
    cmd.current_dir(root())
        .args(words)
        .arg("--output-dir")
        .arg(&out_dir);
    if shorten && std::env::var_os("CMOD_TUTORIAL_FULL").is_none() {
        cmd.args([
            "--chains",
            "2",
            "--iter-warmup",
            "300",
            "--iter-sampling",
            "300",
        ]);
    }
    let output = cmd.output().expect("cmod runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "`{command}` failed:\n{text}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .expect("the output directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let chains = files
        .iter()
        .map(|f| read_stan_csv(f).expect("cmod's CSV reads back"))
        .collect();
    let _ = std::fs::remove_dir_all(&out_dir);
    Run { chains, text }
}

fn truth(dir: &str) -> serde_json::Value {
    let path = root().join(dir).join("truth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn real(value: &serde_json::Value) -> f64 {
    value.as_f64().expect("a number")
}

#[test]
fn every_command_in_the_walkthroughs_is_tested() {
    let docs = std::fs::read_dir(root().join("docs/tutorial")).unwrap();
    let mut shown = 0;
    for entry in docs {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "md") {
            let doc = Path::new("docs/tutorial").join(path.file_name().unwrap());
            let doc = doc.to_str().unwrap();
            for command in doc_commands(doc) {
                shown += 1;
                assert!(
                    TESTED.contains(&(doc, command.as_str())),
                    "{doc} shows `{command}`, which no test runs"
                );
            }
        }
    }
    assert_eq!(
        shown,
        TESTED.len(),
        "a tested command is not in its walkthrough"
    );
}

#[test]
fn eight_schools_centered_diverges_and_noncentered_does_not() {
    let centered = run_doc_command(EIGHT_SCHOOLS, ES_CENTERED, false);
    let careful = run_doc_command(EIGHT_SCHOOLS, ES_CENTERED_095, false);
    let noncentered = run_doc_command(EIGHT_SCHOOLS, ES_NONCENTERED, false);
    let (div, div_careful, div_nc) = (
        centered.divergences(),
        careful.divergences(),
        noncentered.divergences(),
    );
    // The funnel: the centered model diverges at the default adapt_delta and
    // still at 0.95, less often there; the non-centered one at most rarely.
    assert!(div > div_careful, "{div} vs {div_careful} divergences");
    assert!(div_careful > 0, "{}", careful.text);
    assert!(div_nc <= 4 && div_nc < div_careful, "{}", noncentered.text);
    assert!(centered.text.contains("non-centered") && centered.text.contains("E-BFMI"));
    // The advice starts from the adapt_delta the run used.
    assert!(centered
        .text
        .contains("raise adapt_delta (for example to 0.95)"));
    assert!(
        careful
            .text
            .contains("above its 0.95 (for example to 0.99)"),
        "{}",
        careful.text
    );
    // At 0.8 most divergences come from one chain, chain 2, stuck in the
    // neck: more than half of its draws are one point, at tau below 1 (the
    // walkthrough: 388 of the 445 divergences, 600 of its 1000 draws at
    // tau = 0.380).
    let per_chain = centered.divergences_per_chain();
    let worst = (0..per_chain.len()).max_by_key(|&c| per_chain[c]).unwrap();
    assert!(
        worst == 1 && 2 * per_chain[worst] > div,
        "divergences per chain: {per_chain:?}"
    );
    let (stuck_tau, stuck_draws) = centered.most_repeated_per_chain("tau")[worst];
    let draws_per_chain = centered.chains[worst].num_sampling_rows();
    assert!(
        2 * stuck_draws > draws_per_chain && stuck_tau < 1.0,
        "chain {}: {stuck_draws} draws at tau = {stuck_tau}",
        worst + 1
    );
    // At 0.95 no chain sticks: no value of tau recurs in more than 5% of a
    // chain's draws.
    for (chain, (tau, draws)) in careful.most_repeated_per_chain("tau").iter().enumerate() {
        assert!(
            20 * draws <= careful.chains[chain].num_sampling_rows(),
            "at 0.95, chain {}: {draws} draws at tau = {tau}",
            chain + 1
        );
    }
    // E-BFMI is flagged in every chain, at 0.8 and at 0.95, and the
    // divergences are mostly at small tau at both.
    for run in [&centered, &careful] {
        assert_eq!(run.low_e_bfmi_warnings(), run.chains.len(), "{}", run.text);
    }
    let small = |run: &Run| {
        run.at_divergences("tau")
            .iter()
            .filter(|t| **t < 1.0)
            .count()
    };
    assert!(
        2 * small(&centered) > div,
        "divergences at tau < 1: {}",
        small(&centered)
    );
    assert!(
        2 * small(&careful) > div_careful,
        "divergences at tau < 1: {}",
        small(&careful)
    );
    // The non-centered model's divergences, if any, are not in the neck:
    // each at a tau above the posterior median.
    let median_tau_nc = quantile(&noncentered.all("tau"), 0.5);
    for t in noncentered.at_divergences("tau") {
        assert!(t > median_tau_nc, "a non-centered divergence at tau = {t}");
    }
    // 0.95 improves R-hat and ESS of tau over 0.8, but both stay flagged
    // (R-hat above 1.01, bulk ESS below 400) ...
    let (ess, ess_careful, ess_nc) = (
        centered.ess_bulk("tau"),
        careful.ess_bulk("tau"),
        noncentered.ess_bulk("tau"),
    );
    assert!(
        ess < ess_careful && ess_careful < 400.0,
        "ESS of tau: {ess} vs {ess_careful}"
    );
    let (rhat_08, rhat_careful) = (centered.rhat("tau"), careful.rhat("tau"));
    assert!(
        rhat_08 > rhat_careful && rhat_careful > 1.01,
        "R-hat of tau: {rhat_08} vs {rhat_careful}"
    );
    // ... while the non-centered model samples tau several times more
    // efficiently than either, with R-hat near 1.
    assert!(
        ess_nc > 4.0 * ess_careful,
        "ESS of tau: {ess_nc} vs {ess_careful} at 0.95 and {ess} at 0.8"
    );
    assert!(noncentered.rhat("tau") < 1.01);
    // The non-centered posterior agrees with posteriordb's reference means
    // (mu = 4.4, tau = 3.6) up to a loose margin.
    let (mu_lo, mu_hi) = noncentered.interval90("mu");
    assert!(mu_lo < 4.4 && 4.4 < mu_hi);
    // The 5% quantile of tau at 0.8 is the value chain 2 is stuck at, not
    // exploration of the neck. At 0.95 the chains do not go far into the neck:
    // the 5% quantile is higher than that stuck value, and the centered model
    // still does not reach the small tau the non-centered one finds.
    let tau_lo = centered.interval90("tau").0;
    let tau_lo_careful = careful.interval90("tau").0;
    let tau_lo_nc = noncentered.interval90("tau").0;
    assert!(
        (tau_lo - stuck_tau).abs() < 1e-9,
        "5% of tau at 0.8: {tau_lo}, stuck at {stuck_tau}"
    );
    assert!(
        tau_lo_careful > tau_lo && tau_lo_careful > tau_lo_nc,
        "5% of tau: {tau_lo} at 0.8, {tau_lo_careful} at 0.95, {tau_lo_nc} non-centered"
    );
}

#[test]
fn eight_schools_default_warmup_diverges_rarely_but_still_misses_the_neck() {
    let centered = run_doc_command(EIGHT_SCHOOLS, ES_CENTERED_DEFAULT, false);
    let noncentered = run_doc_command(EIGHT_SCHOOLS, ES_NONCENTERED_DEFAULT, false);
    // The warmup learned from gradients takes the funnel's wide part for the
    // whole posterior: few divergences, but some, and the other warnings stay.
    let div = centered.divergences();
    assert!(div > 0 && div < 50, "{}", centered.text);
    assert!(centered.text.contains("non-centered"));
    assert!(
        centered.low_e_bfmi_warnings() > 0 && centered.rhat("tau") > 1.01,
        "{}",
        centered.text
    );
    // It goes less far into the neck than the non-centered model (the
    // walkthrough: 5% of tau 0.510 against 0.167).
    let (tau_lo, tau_lo_nc) = (
        centered.interval90("tau").0,
        noncentered.interval90("tau").0,
    );
    assert!(
        tau_lo > 2.0 * tau_lo_nc,
        "5% of tau: {tau_lo} vs {tau_lo_nc}"
    );
    // The non-centered model is clean with this warmup too.
    assert_eq!(noncentered.divergences(), 0, "{}", noncentered.text);
    assert_eq!(noncentered.low_e_bfmi_warnings(), 0);
    assert!(noncentered.rhat("tau") < 1.01);
    assert!(noncentered.ess_bulk("tau") > 4.0 * centered.ess_bulk("tau"));
}

fn check_correlated_predictors(run: &Run) {
    let t = truth("examples/correlated_predictors");
    for k in 0..3 {
        run.covers(&format!("mu.{}", k + 1), real(&t["mu_x"][k]));
        run.covers(&format!("tau.{}", k + 1), real(&t["tau_x"][k]));
        run.covers(&format!("beta.{}", k + 1), real(&t["beta"][k]));
    }
    for (i, j) in [(2, 1), (3, 1), (3, 2)] {
        run.covers(&format!("Omega.{i}.{j}"), real(&t["Omega_x"][i - 1][j - 1]));
    }
    for name in ["alpha", "sigma_group", "sigma"] {
        run.covers(name, real(&t[name]));
    }
    // At most a rare divergence (the walkthrough's correlation-matrix run
    // has one in 4000, at a large sigma_group, far from any funnel).
    let transitions: usize = run.chains.iter().map(|c| c.num_sampling_rows()).sum();
    assert!(run.divergences() * 200 <= transitions, "{}", run.text);
    // The slopes are not the predictors' means: mu.2 is near -2, beta.2 near -0.5.
    let (beta_lo, _) = run.interval90("beta.2");
    let (_, mu_hi) = run.interval90("mu.2");
    assert!(mu_hi < beta_lo);
    // x2 and x3 are correlated +0.6, so the posterior of their slopes is
    // negatively correlated (the walkthrough quotes -0.64).
    let r = correlation(&run.all("beta.2"), &run.all("beta.3"));
    assert!(r < -0.4, "posterior correlation of beta.2 and beta.3: {r}");
}

/// Pearson correlation of two equally long samples.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

#[test]
fn correlated_predictors_cholesky_recovers_the_truth() {
    check_correlated_predictors(&run_doc_command(CORRELATED, CP_CHOLESKY, true));
}

#[test]
fn correlated_predictors_corr_matrix_recovers_the_truth() {
    check_correlated_predictors(&run_doc_command(CORRELATED, CP_CORR_MATRIX, true));
}

#[test]
fn varying_slopes_both_forms_recover_the_truth_and_only_centered_diverges() {
    let t = truth("examples/varying_slopes");
    let centered = run_doc_command(VARYING, VS_CENTERED, false);
    let noncentered = run_doc_command(VARYING, VS_NONCENTERED, false);
    for run in [&centered, &noncentered] {
        run.covers("mu.1", real(&t["mu_a"]));
        run.covers("mu.2", real(&t["mu_b"]));
        run.covers("tau.1", real(&t["tau_a"]));
        run.covers("tau.2", real(&t["tau_b"]));
        run.covers("rho", real(&t["rho"]));
        run.covers("sigma", real(&t["sigma"]));
    }
    assert_eq!(noncentered.divergences(), 0, "{}", noncentered.text);
    assert!(centered.divergences() > 5, "{}", centered.text);
    // The funnel of the slopes: every centered divergence is at a tau.2
    // below its posterior median, and the centered chains do not reach the
    // small tau.2 the non-centered ones do (5% quantile 0.158 vs 0.0742).
    let median_tau2 = quantile(&centered.all("tau.2"), 0.5);
    for t in centered.at_divergences("tau.2") {
        assert!(t < median_tau2, "a centered divergence at tau.2 = {t}");
    }
    let (lo_c, lo_nc) = (
        centered.interval90("tau.2").0,
        noncentered.interval90("tau.2").0,
    );
    assert!(lo_c > lo_nc, "5% of tau.2: {lo_c} vs {lo_nc}");
    // The centered tau.2 is flagged by R-hat, and the non-centered form has
    // the larger bulk ESS for tau.2 and rho (745 vs 421, 2350 vs 1620).
    assert!(centered.rhat("tau.2") > 1.01 && noncentered.rhat("tau.2") < 1.01);
    for name in ["tau.2", "rho"] {
        assert!(
            noncentered.ess_bulk(name) > centered.ess_bulk(name),
            "ESS of {name}: {} vs {}",
            noncentered.ess_bulk(name),
            centered.ess_bulk(name)
        );
    }
    // The well-measured intercepts: the centered form mixes their mean and
    // their sd better.
    for name in ["mu.1", "tau.1"] {
        assert!(
            centered.ess_bulk(name) > noncentered.ess_bulk(name),
            "ESS of {name}: {} vs {}",
            centered.ess_bulk(name),
            noncentered.ess_bulk(name)
        );
    }
}

#[test]
fn random_intercept_recovers_r1_from_three_variables() {
    let t = &truth("examples/variance_components")["three"];
    let run = run_doc_command(VARIANCE, VC_THREE, true);
    run.covers("mu", real(&t["mu"]));
    run.covers("r1", real(&t["r1"]));
    run.covers("var_pair", real(&t["var_pair"]));
    run.covers("var_resid", real(&t["var_resid"]));
}

#[test]
fn one_variance_gives_one_correlation_between_r1_and_r2() {
    let t = &truth("examples/variance_components")["four"];
    let (r1, r2) = (real(&t["r1"]), real(&t["r2"]));
    let run = run_doc_command(VARIANCE, VC_ONE_VARIANCE, true);
    let (lo, hi) = run.interval90("r");
    assert!(r1 < lo && hi < r2, "r in [{lo}, {hi}]");
}

#[test]
fn two_variances_with_a_shared_residual_pull_r1_and_r2_together() {
    let t = &truth("examples/variance_components")["four"];
    let (r1, r2) = (real(&t["r1"]), real(&t["r2"]));
    let run = run_doc_command(VARIANCE, VC_TWO_VARIANCES, true);
    // r1 is overestimated and r2 underestimated ...
    let (r1_lo, _) = run.interval90("r1");
    let (_, r2_hi) = run.interval90("r2");
    assert!(r1 < r1_lo, "r1 from {r1_lo}");
    assert!(r2_hi < r2, "r2 up to {r2_hi}");
    // ... because the implied variances cannot both be 1.
    let (_, var12_hi) = run.interval90("var_y12");
    let (var34_lo, _) = run.interval90("var_y34");
    assert!(var12_hi < 1.0 && 1.0 < var34_lo);
}

#[test]
fn bivariate_pairs_recover_r1_and_r2() {
    let t = &truth("examples/variance_components")["four"];
    let run = run_doc_command(VARIANCE, VC_BIVARIATE, false);
    run.covers("mu", real(&t["mu"]));
    run.covers("r1", real(&t["r1"]));
    run.covers("r2", real(&t["r2"]));
    assert_eq!(run.divergences(), 0, "{}", run.text);
}

/// The maximum likelihood estimates of r1 and r2 recover the simulation's
/// 0.2 and 0.8, laplace's standard errors are the NUTS posterior's sds to
/// within 20% (the walkthrough: 0.074 and 0.018 against 0.070 and 0.018),
/// and laplace approximates at the optimizer's mode.
#[test]
fn maximum_likelihood_and_laplace_agree_with_the_posterior() {
    let t = &truth("examples/variance_components")["four"];
    let mle = run_doc_command(VARIANCE, VC_OPTIMIZE, false);
    let estimate = |run: &Run, chain: usize, name: &str| {
        run.chains[chain].sampling_column_named(name).unwrap()[0]
    };
    assert!(
        (estimate(&mle, 0, "r1") - real(&t["r1"])).abs() < 0.1,
        "{}",
        mle.text
    );
    assert!(
        (estimate(&mle, 0, "r2") - real(&t["r2"])).abs() < 0.03,
        "{}",
        mle.text
    );
    assert!(mle.text.contains("Optimization terminated normally"));
    // The laplace directory holds its draws and the mode it found, in file-name order.
    let laplace = run_doc_command(VARIANCE, VC_LAPLACE, false);
    assert_eq!(laplace.chains.len(), 2, "{}", laplace.text);
    for name in ["r1", "r2"] {
        assert!((estimate(&laplace, 1, name) - estimate(&mle, 0, name)).abs() < 1e-6);
    }
    let nuts = run_doc_command(VARIANCE, VC_BIVARIATE, false);
    let sd = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    for name in ["r1", "r2"] {
        let se = sd(&laplace.chains[0].sampling_column_named(name).unwrap());
        let post = sd(&nuts.all(name));
        assert!(
            (se / post - 1.0).abs() < 0.2,
            "{name}: standard error {se}, posterior sd {post}"
        );
    }
}
