//! The sampler on hand-written densities with known answers; tolerances come
//! from the Monte Carlo standard errors the diagnostics report.

mod common;

use common::{
    Bimodal, CorrelatedNormal, FarRegression, IndependentNormal, NealsFunnel, RejectsAbove,
};
use runtime::diagnostics::{mcse_mean, mcse_sd, ConvergenceStats};
use runtime::summary::Summary;
use runtime::{
    run_chains, AdaptationKind, InitialValues, MetricKind, Model, RunOptions, RunOutput,
    SamplerConfig,
};

fn run(config: &SamplerConfig, factory: &(dyn Fn(usize) -> Box<dyn Model> + Sync)) -> RunOutput {
    let output = run_chains(config, factory, &RunOptions::default()).expect("valid configuration");
    assert!(
        output.error_messages().is_empty(),
        "{:?}",
        output.error_messages()
    );
    output
}

/// The post-warmup draws of column `name`, chain by chain.
fn column(output: &RunOutput, name: &str) -> Vec<Vec<f64>> {
    output
        .chains
        .iter()
        .map(|chain| chain.draws.sampling_column_named(name).unwrap())
        .collect()
}

fn small_config(seed: u64) -> SamplerConfig {
    SamplerConfig {
        num_chains: 4,
        parallel_chains: 2,
        num_warmup: 500,
        num_samples: 500,
        seed,
        ..Default::default()
    }
}

#[test]
fn standard_normal_100d_means_and_variances() {
    let config = small_config(11);
    let output = run(&config, &|_| {
        Box::new(IndependentNormal {
            scales: vec![1.0; 100],
        })
    });
    let mut worst_mean_z: f64 = 0.0;
    let mut worst_variance_z: f64 = 0.0;
    for i in 1..=100 {
        let draws = column(&output, &format!("x.{i}"));
        let stats = ConvergenceStats::compute(&draws);
        // The mean is 0 and the sd 1; the sd's MCSE bounds the variance's error.
        let mean_z = stats.mean.abs() / mcse_mean(&draws);
        let sd_z = (stats.sd - 1.0).abs() / mcse_sd(&draws);
        worst_mean_z = worst_mean_z.max(mean_z);
        worst_variance_z = worst_variance_z.max(sd_z);
        assert!(stats.rhat < 1.02, "x.{i} R-hat {}", stats.rhat);
    }
    // With 100 coordinates, a 4.5-sigma error in any of them is already a
    // one in 3000 event; all must be within it.
    assert!(worst_mean_z < 4.5, "largest |mean| / MCSE = {worst_mean_z}");
    assert!(
        worst_variance_z < 4.5,
        "largest |sd - 1| / MCSE = {worst_variance_z}"
    );
    // The adapted inverse metric should be close to the identity.
    let adaptation = output.chains[0].draws.adaptation.as_ref().unwrap();
    if let runtime::InverseMetric::Diagonal(diagonal) = &adaptation.inverse_metric {
        let mean_diagonal = diagonal.iter().sum::<f64>() / diagonal.len() as f64;
        assert!(
            (mean_diagonal - 1.0).abs() < 0.2,
            "mean inverse metric {mean_diagonal}"
        );
    } else {
        panic!("expected a diagonal metric");
    }
}

fn check_correlated_gaussian(metric: MetricKind, kind: AdaptationKind) -> f64 {
    let rho = 0.99;
    let mut config = SamplerConfig {
        metric,
        ..small_config(5)
    };
    config.adapt.kind = kind;
    let output = run(&config, &|_| Box::new(CorrelatedNormal { rho }));
    let x = column(&output, "x.1");
    let y = column(&output, "x.2");
    for draws in [&x, &y] {
        let stats = ConvergenceStats::compute(draws);
        assert!(
            stats.mean.abs() < 4.0 * mcse_mean(draws),
            "{metric:?} mean {} mcse {}",
            stats.mean,
            mcse_mean(draws)
        );
        assert!(
            (stats.sd - 1.0).abs() < 4.0 * mcse_sd(draws),
            "{metric:?} sd {} mcse {}",
            stats.sd,
            mcse_sd(draws)
        );
    }
    // The product x*y has mean rho; its own MCSE gives the tolerance.
    let products: Vec<Vec<f64>> = x
        .iter()
        .zip(&y)
        .map(|(a, b)| a.iter().zip(b).map(|(u, v)| u * v).collect())
        .collect();
    let stats = ConvergenceStats::compute(&products);
    assert!(
        (stats.mean - rho).abs() < 4.0 * mcse_mean(&products),
        "{metric:?} E[xy] {} mcse {}",
        stats.mean,
        mcse_mean(&products)
    );
    // Mean leapfrog steps per draw: the dense metric should need far fewer.
    let leapfrogs = column(&output, "n_leapfrog__");
    leapfrogs.iter().flatten().sum::<f64>() / leapfrogs.iter().map(Vec::len).sum::<usize>() as f64
}

#[test]
fn correlated_gaussian_with_dense_and_diagonal_metric() {
    let dense_steps = check_correlated_gaussian(MetricKind::Dense, AdaptationKind::StanWindows);
    let diagonal_steps =
        check_correlated_gaussian(MetricKind::Diagonal, AdaptationKind::StanWindows);
    assert!(
        dense_steps * 3.0 < diagonal_steps,
        "dense {dense_steps} vs diagonal {diagonal_steps} leapfrog steps per draw"
    );
}

#[test]
fn correlated_gaussian_with_the_adaptation_from_draws_and_gradients() {
    // The low-rank metric finds the one direction of strong correlation,
    // and needs as few steps as the dense metric of Stan's adaptation.
    let low_rank_steps =
        check_correlated_gaussian(MetricKind::LowRank, AdaptationKind::DrawsAndGradients);
    let diagonal_steps =
        check_correlated_gaussian(MetricKind::Diagonal, AdaptationKind::DrawsAndGradients);
    assert!(
        low_rank_steps * 3.0 < diagonal_steps,
        "low-rank {low_rank_steps} vs diagonal {diagonal_steps} leapfrog steps per draw"
    );
}

#[test]
fn low_rank_chains_starting_far_in_the_tails_all_reach_the_posterior() {
    // The first low-rank estimates come from a few draws strung along a
    // line in the tails; an estimate with an eigenvalue of 1e-12 (or below
    // 0 by rounding) once left chains stuck for good (NaN momenta). Every
    // chain must mix: no stuck chain, R-hat near 1, and a sound step size.
    for seed in [1000, 1001, 1002] {
        let mut config = small_config(seed);
        config.metric = MetricKind::LowRank;
        config.adapt.kind = AdaptationKind::DrawsAndGradients;
        let output = run(&config, &|_| Box::new(FarRegression::new()));
        for name in ["a", "b", "log_sigma"] {
            let stats = ConvergenceStats::compute(&column(&output, name));
            assert!(
                stats.rhat < 1.02,
                "seed {seed}, {name}: R-hat {}",
                stats.rhat
            );
        }
        for chain in &output.chains {
            let energy = chain.draws.sampling_column_named("energy__").unwrap();
            assert!(
                energy.iter().all(|e| e.is_finite()),
                "seed {seed}: an infinite energy"
            );
        }
    }
}

#[test]
fn the_adaptation_from_draws_and_gradients_finds_scales_far_from_one() {
    // Scales over four orders of magnitude: the adapted inverse metric is
    // each coordinate's variance, and the draws have the right moments.
    let scales = vec![0.01, 1.0, 100.0, 3.0];
    let mut config = small_config(17);
    config.adapt.kind = AdaptationKind::DrawsAndGradients;
    let output = run(&config, &|_| {
        Box::new(IndependentNormal {
            scales: scales.clone(),
        })
    });
    for (i, scale) in scales.iter().enumerate() {
        let draws = column(&output, &format!("x.{}", i + 1));
        let stats = ConvergenceStats::compute(&draws);
        assert!(stats.mean.abs() < 4.0 * mcse_mean(&draws), "x.{}", i + 1);
        assert!(
            (stats.sd - scale).abs() < 4.0 * mcse_sd(&draws),
            "x.{}",
            i + 1
        );
    }
    for chain in &output.chains {
        let adaptation = chain.draws.adaptation.as_ref().unwrap();
        let runtime::InverseMetric::Diagonal(diagonal) = &adaptation.inverse_metric else {
            panic!("expected a diagonal metric");
        };
        for (estimate, scale) in diagonal.iter().zip(&scales) {
            let ratio = estimate / (scale * scale);
            assert!(ratio > 0.8 && ratio < 1.25, "{diagonal:?}");
        }
    }
}

#[test]
fn neals_funnel_reports_divergences() {
    let config = SamplerConfig {
        num_warmup: 300,
        num_samples: 300,
        ..small_config(3)
    };
    let output = run(&config, &|_| Box::new(NealsFunnel { num_x: 9 }));
    let draws: Vec<_> = output
        .chains
        .iter()
        .map(|chain| chain.draws.clone())
        .collect();
    let summary = Summary::from_chains(&draws);
    assert!(summary.sampler_checks.num_divergent > 0);
    let warning = summary
        .warnings
        .iter()
        .find(|w| w.contains("divergence"))
        .expect("a divergence warning");
    assert!(
        warning.contains("adapt_delta") && warning.contains("non-centered"),
        "{warning}"
    );
}

#[test]
fn bimodal_target_with_chains_in_different_modes_is_flagged_by_rhat() {
    let config = SamplerConfig {
        num_chains: 2,
        init: InitialValues::PerChain(vec![vec![-10.0], vec![10.0]]),
        ..small_config(9)
    };
    let output = run(&config, &|_| Box::new(Bimodal));
    let draws = column(&output, "x");
    let stats = ConvergenceStats::compute(&draws);
    assert!(stats.rhat > 1.5, "R-hat {}", stats.rhat);
    let chains: Vec<_> = output
        .chains
        .iter()
        .map(|chain| chain.draws.clone())
        .collect();
    let summary = Summary::from_chains(&chains);
    assert!(
        summary.warnings.iter().any(|w| w.contains("R-hat")),
        "{:?}",
        summary.warnings
    );
}

#[test]
fn model_rejections_are_divergences_and_never_accepted() {
    let config = SamplerConfig {
        init: InitialValues::Uniform { radius: 0.5 },
        ..small_config(21)
    };
    let output = run(&config, &|_| Box::new(RejectsAbove { limit: 0.5 }));
    let draws = column(&output, "x");
    assert!(draws.iter().flatten().all(|&x| x <= 0.5));
    let divergent: f64 = column(&output, "divergent__").iter().flatten().sum();
    assert!(divergent > 0.0);
}
