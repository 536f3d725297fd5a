//! The warmup flags that `run`, `validate` and `sbc` share: `--metric` and
//! `--adaptation`, and the checked choice of metric and adaptation they make.

use clap::{Args, ValueEnum};
use runtime::{AdaptationKind, MetricKind};

#[derive(Args, Clone)]
pub struct WarmupArgs {
    /// The mass matrix: low-rank (the default: diagonal, corrected along the few
    /// directions where the draws and their gradients show correlation, as nutpie's
    /// low-rank adaptation; often several times the effective samples per gradient
    /// on hierarchical models); diag (Stan's diag_e); or dense (Stan's dense_e, for
    /// strongly correlated posteriors of few parameters). Default: low-rank, or diag
    /// with --adaptation stan.
    #[arg(long, value_enum)]
    pub metric: Option<MetricArg>,
    /// How warmup estimates the metric: gradient (the default, as nutpie: from the
    /// variances of the draws and of their gradients, from the first iterations on;
    /// diag or low-rank only) or stan (Stan's windowed adaptation, exactly as
    /// CmdStan: `--adaptation stan` reproduces CmdStan's draws). Default: gradient,
    /// or stan with --metric dense.
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
        let metric = match (self.metric, self.adaptation) {
            (Some(MetricArg::Diag), _) | (None, Some(AdaptationArg::Stan)) => MetricKind::Diagonal,
            (Some(MetricArg::Dense), _) => MetricKind::Dense,
            (Some(MetricArg::LowRank), _) | (None, _) => MetricKind::LowRank,
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
            (Some(AdaptationArg::Stan), _) | (None, MetricKind::Dense) => {
                AdaptationKind::StanWindows
            }
            (Some(AdaptationArg::Gradient), _) | (None, _) => AdaptationKind::DrawsAndGradients,
        };
        Ok((metric, adaptation))
    }
}
