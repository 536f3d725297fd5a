//! The random number generator of each chain, derived from (seed, chain id)
//! so that a run is reproducible whatever the number of threads.

use rand::SeedableRng;

/// The generator every chain uses: ChaCha with 8 rounds, whose output rand
/// documents as portable (the same on every platform and release).
pub type ChainRng = rand::rngs::ChaCha8Rng;

/// The generator of chain `chain_id` (1-based, as in the CSV's `id`) for the
/// run seeded with `seed`.
///
/// The 256-bit key is derived from `seed` alone (rand's `seed_from_u64`, a
/// fixed PCG32 expansion), and the chain id selects one of ChaCha's 2^64
/// independent streams. Chains therefore never share a stream, and a chain's
/// draws depend only on (seed, chain id): not on the thread it ran on, nor on
/// how many chains ran beside it.
pub fn chain_rng(seed: u64, chain_id: u64) -> ChainRng {
    let mut rng = ChainRng::seed_from_u64(seed);
    rng.set_stream(chain_id);
    rng
}
