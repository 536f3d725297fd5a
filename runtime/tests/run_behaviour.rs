//! How a run behaves around the sampler: reproducibility across thread
//! counts, initialization failures, stopping, and failing chains.

mod common;

use common::{AlwaysRejects, IndependentNormal};
use runtime::{
    run_chains, AdaptationKind, ChainError, InitialValues, MetricKind, Model, RunOptions,
    SamplerConfig,
};
use std::sync::atomic::{AtomicBool, Ordering};

fn config(parallel_chains: usize) -> SamplerConfig {
    SamplerConfig {
        num_chains: 4,
        parallel_chains,
        num_warmup: 150,
        num_samples: 100,
        seed: 20240601,
        ..Default::default()
    }
}

fn normal_factory(_chain: usize) -> Box<dyn Model> {
    Box::new(IndependentNormal {
        scales: vec![1.0, 2.0, 0.5],
    })
}

#[test]
fn same_seed_gives_identical_draws_with_one_or_four_threads() {
    for (metric, kind) in [
        (MetricKind::Diagonal, AdaptationKind::StanWindows),
        (MetricKind::Diagonal, AdaptationKind::DrawsAndGradients),
        (MetricKind::LowRank, AdaptationKind::DrawsAndGradients),
    ] {
        let with = |parallel_chains| {
            let mut config = SamplerConfig {
                metric,
                ..config(parallel_chains)
            };
            config.adapt.kind = kind;
            run_chains(&config, &normal_factory, &RunOptions::default()).unwrap()
        };
        let (one, four) = (with(1), with(4));
        for (a, b) in one.chains.iter().zip(&four.chains) {
            assert_eq!(
                a.draws.values, b.draws.values,
                "{kind:?}, chain {}",
                a.draws.chain_id
            );
        }
    }
    let one = run_chains(&config(1), &normal_factory, &RunOptions::default()).unwrap();
    let four = run_chains(&config(4), &normal_factory, &RunOptions::default()).unwrap();
    for (a, b) in one.chains.iter().zip(&four.chains) {
        assert_eq!(
            a.draws.values, b.draws.values,
            "chain {} differs",
            a.draws.chain_id
        );
        assert_eq!(a.draws.num_rows(), 100);
    }
    // Different chains do not repeat each other.
    assert_ne!(one.chains[0].draws.values, one.chains[1].draws.values);
    // A different seed gives different draws.
    let other = run_chains(
        &SamplerConfig {
            seed: 7,
            ..config(2)
        },
        &normal_factory,
        &RunOptions::default(),
    )
    .unwrap();
    assert_ne!(one.chains[0].draws.values, other.chains[0].draws.values);
}

#[test]
fn initialization_failure_is_one_clear_error() {
    let output = run_chains(
        &config(2),
        &|_| Box::new(AlwaysRejects) as Box<dyn Model>,
        &RunOptions::default(),
    )
    .unwrap();
    for chain in &output.chains {
        match &chain.error {
            Some(ChainError::Initialization(message)) => {
                assert!(message.contains("after 100 attempts"), "{message}");
                assert!(message.contains("Scale parameter"), "{message}");
                assert!(message.contains("init radius"), "{message}");
                assert_eq!(message.lines().count(), 1, "{message}");
            }
            other => panic!("expected an initialization error, got {other:?}"),
        }
    }
}

/// A model whose every evaluation fails with the same words, as a data
/// error does (an index past the end of a data array).
struct DataError;

impl Model for DataError {
    fn dim(&self) -> usize {
        1
    }
    fn output_names(&self) -> Vec<String> {
        vec!["a".into()]
    }
    fn log_density_gradient(
        &mut self,
        _theta: &[f64],
        _grad: &mut [f64],
    ) -> Result<f64, runtime::Rejection> {
        Err(runtime::Rejection::new(
            "index 9 out of range for `y`, which has size 8 (line 12)",
        ))
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        _rng: &mut dyn rand::Rng,
        out: &mut [f64],
    ) -> Result<(), runtime::Rejection> {
        out.copy_from_slice(theta);
        Ok(())
    }
}

#[test]
fn a_failure_that_does_not_depend_on_the_parameters_is_named_as_such_once() {
    let output = run_chains(
        &config(2),
        &|_| Box::new(DataError) as Box<dyn Model>,
        &RunOptions::default(),
    )
    .unwrap();
    // One line for the four chains, not four repeated lines.
    let messages = output.error_messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert!(message.starts_with("Chains 1, 2, 3, 4: "), "{message}");
    assert!(
        message.contains("all 100 attempts failed the same way"),
        "{message}"
    );
    assert!(message.contains("out of range for `y`"), "{message}");
    assert!(message.contains("check the data"), "{message}");
    assert!(!message.contains("init radius"), "{message}");
}

#[test]
fn given_initial_values_of_the_wrong_length_are_reported() {
    let config = SamplerConfig {
        init: InitialValues::Given(vec![0.0]),
        ..config(1)
    };
    let output = run_chains(&config, &normal_factory, &RunOptions::default()).unwrap();
    let message = output.error_messages().join("\n");
    assert!(
        message.contains("has 1 values, but the model has 3"),
        "{message}"
    );
}

#[test]
fn stop_flag_keeps_complete_rows() {
    let stop = AtomicBool::new(false);
    struct StopAfter<'a>(&'a AtomicBool);
    impl runtime::ProgressObserver for StopAfter<'_> {
        fn on_iteration(&self, update: &runtime::ProgressUpdate) {
            if update.iteration >= 180 {
                self.0.store(true, Ordering::Relaxed);
            }
        }
    }
    let observer = StopAfter(&stop);
    let options = RunOptions {
        stop: Some(&stop),
        progress: Some(&observer),
        ..Default::default()
    };
    let output = run_chains(&config(1), &normal_factory, &options).unwrap();
    let first = &output.chains[0].draws;
    assert!(first.interrupted);
    assert_eq!(
        first.num_rows(),
        30,
        "150 warmup then 30 sampling iterations"
    );
    assert_eq!(first.values.len(), first.num_rows() * first.num_columns());
    assert!(output.chains[1].draws.interrupted);
}

/// A model that panics, standing in for a bug: the other chains still finish.
struct PanicsInChainTwo {
    inner: IndependentNormal,
    chain: usize,
    calls: usize,
}

impl Model for PanicsInChainTwo {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn output_names(&self) -> Vec<String> {
        self.inner.output_names()
    }
    fn log_density_gradient(
        &mut self,
        theta: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, runtime::Rejection> {
        self.calls += 1;
        if self.chain == 1 && self.calls > 500 {
            panic!("deliberate test panic");
        }
        self.inner.log_density_gradient(theta, grad)
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        rng: &mut dyn rand::Rng,
        out: &mut [f64],
    ) -> Result<(), runtime::Rejection> {
        self.inner.write_draw(theta, rng, out)
    }
}

#[test]
fn a_panicking_chain_does_not_destroy_the_others() {
    let factory = |chain: usize| -> Box<dyn Model> {
        Box::new(PanicsInChainTwo {
            inner: IndependentNormal {
                scales: vec![1.0; 3],
            },
            chain,
            calls: 0,
        })
    };
    let output = run_chains(&config(2), &factory, &RunOptions::default()).unwrap();
    assert!(matches!(
        output.chains[1].error,
        Some(ChainError::Panicked(_))
    ));
    assert!(output.chains[1]
        .error
        .as_ref()
        .unwrap()
        .to_string()
        .contains("Internal error"));
    for index in [0, 2, 3] {
        assert!(output.chains[index].error.is_none());
        assert_eq!(output.chains[index].draws.num_rows(), 100);
    }
    assert_eq!(output.successful_draws().len(), 3);
}
