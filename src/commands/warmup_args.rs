//! The warmup flags that `run`, `validate` and `sbc` share: `--metric` and
//! `--adaptation`, and the checked choice of metric and adaptation they make.

use clap::{Args, ValueEnum};
use runtime::{AdaptationKind, MetricKind};

#[derive(Args, Clone)]
pub struct WarmupArgs {
    /// The mass matrix: diag (Stan's diag_e); dense (Stan's dense_e, for strongly
    /// correlated posteriors of few parameters); or low-rank, diagonal corrected
    /// along the few directions where the draws and their gradients show
    /// correlation (nutpie's low-rank adaptation; often several times the effective
    /// samples per gradient on hierarchical models).
    #[arg(long, value_enum, default_value_t = MetricArg::Diag)]
    pub metric: MetricArg,
    /// How warmup estimates the metric: stan (Stan's windowed adaptation, exactly as
    /// CmdStan) or gradient (as nutpie: from the variances of the draws and of their
    /// gradients, from the first iterations on; diag or low-rank only). Default:
    /// gradient for --metric low-rank, stan otherwise.
    #[arg(long, value_enum)]
    pub adaptation: Option<AdaptationArg>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum MetricArg {
    Diag,
    Dense,
    LowRank,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum AdaptationArg {
    Gradient,
    Stan,
}

impl WarmupArgs {
    /// The metric and the adaptation the flags ask for, or why they do not go together.
    pub fn kinds(&self) -> Result<(MetricKind, AdaptationKind), String> {
        let metric = match self.metric {
            MetricArg::Diag => MetricKind::Diagonal,
            MetricArg::Dense => MetricKind::Dense,
            MetricArg::LowRank => MetricKind::LowRank,
        };
        let adaptation = match (self.adaptation, metric) {
            (Some(AdaptationArg::Stan), MetricKind::LowRank) => {
                return Err(
                    "error: --metric low-rank is estimated from draws and gradients; use it with --adaptation gradient (the default for it), or --adaptation stan with --metric diag or dense"
                        .to_string(),
                )
            }
            (Some(AdaptationArg::Gradient), MetricKind::Dense) => {
                return Err(
                    "error: --adaptation gradient estimates a diagonal or low-rank metric; use it with --metric diag or low-rank, or --adaptation stan with --metric dense"
                        .to_string(),
                )
            }
            (Some(AdaptationArg::Gradient), _) | (None, MetricKind::LowRank) => {
                AdaptationKind::DrawsAndGradients
            }
            (Some(AdaptationArg::Stan), _) | (None, _) => AdaptationKind::StanWindows,
        };
        Ok((metric, adaptation))
    }
}
