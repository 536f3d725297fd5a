//! The phase points of one NUTS trajectory, stored by index in one buffer
//! and shared by reference count, so that the sampler passes indices where
//! Stan copies vectors.
//!
//! A slot holds a point's position, momentum, gradient and velocity
//! (M^-1 p) next to each other, with its log density, energy and its place in the trajectory. A point is
//! written once, by the leapfrog step that makes it, and read-only from then
//! on; so several roles (the trajectory's end, the proposal, the start of a
//! subtree) can hold the same slot, and a slot returns to the free list when
//! the last of them releases it.

use crate::hamiltonian::{PointMut, PointRef};

pub struct PhasePool {
    dim: usize,
    /// `4 * dim`: position, momentum, gradient, velocity.
    stride: usize,
    values: Vec<f64>,
    log_density: Vec<f64>,
    energy: Vec<f64>,
    /// Signed leapfrog steps from the transition's start point.
    steps_from_start: Vec<i64>,
    references: Vec<u32>,
    free: Vec<usize>,
}

impl PhasePool {
    /// A pool with `slots` free slots; it grows if a trajectory needs more.
    pub fn new(dim: usize, slots: usize) -> Self {
        let mut pool = PhasePool {
            dim,
            stride: 4 * dim,
            values: Vec::new(),
            log_density: Vec::new(),
            energy: Vec::new(),
            steps_from_start: Vec::new(),
            references: Vec::new(),
            free: Vec::new(),
        };
        for _ in 0..slots {
            pool.grow();
        }
        pool
    }

    fn grow(&mut self) {
        let slot = self.references.len();
        self.values.resize(self.values.len() + self.stride, 0.0);
        self.log_density.push(f64::NEG_INFINITY);
        self.energy.push(f64::INFINITY);
        self.steps_from_start.push(0);
        self.references.push(0);
        self.free.push(slot);
    }

    /// A free slot, held once.
    #[inline]
    pub fn acquire(&mut self) -> usize {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.grow();
                self.free.pop().expect("a new slot")
            }
        };
        self.references[slot] = 1;
        slot
    }

    /// One more holder of `slot`.
    #[inline]
    pub fn retain(&mut self, slot: usize) {
        self.references[slot] += 1;
    }

    /// One holder fewer; the slot is free when none is left.
    #[inline]
    pub fn release(&mut self, slot: usize) {
        self.references[slot] -= 1;
        if self.references[slot] == 0 {
            self.free.push(slot);
        }
    }

    /// How many slots are held (for checks).
    pub fn held(&self) -> usize {
        self.references.iter().filter(|&&count| count > 0).count()
    }

    #[inline]
    fn part(&self, slot: usize, part: usize) -> &[f64] {
        let start = slot * self.stride + part * self.dim;
        &self.values[start..start + self.dim]
    }

    #[inline]
    fn part_mut(&mut self, slot: usize, part: usize) -> &mut [f64] {
        let start = slot * self.stride + part * self.dim;
        &mut self.values[start..start + self.dim]
    }

    #[inline]
    pub fn position(&self, slot: usize) -> &[f64] {
        self.part(slot, 0)
    }

    #[inline]
    pub fn momentum(&self, slot: usize) -> &[f64] {
        self.part(slot, 1)
    }

    #[inline]
    pub fn gradient(&self, slot: usize) -> &[f64] {
        self.part(slot, 2)
    }

    #[inline]
    pub fn velocity(&self, slot: usize) -> &[f64] {
        self.part(slot, 3)
    }

    #[inline]
    pub fn log_density(&self, slot: usize) -> f64 {
        self.log_density[slot]
    }

    #[inline]
    pub fn energy(&self, slot: usize) -> f64 {
        self.energy[slot]
    }

    #[inline]
    pub fn steps_from_start(&self, slot: usize) -> i64 {
        self.steps_from_start[slot]
    }

    #[inline]
    pub fn set_steps_from_start(&mut self, slot: usize, steps: i64) {
        self.steps_from_start[slot] = steps;
    }

    #[inline]
    pub fn set_log_density(&mut self, slot: usize, log_density: f64) {
        self.log_density[slot] = log_density;
    }

    #[inline]
    pub fn set_energy(&mut self, slot: usize, energy: f64) {
        self.energy[slot] = energy;
    }

    #[inline]
    pub fn momentum_mut(&mut self, slot: usize) -> &mut [f64] {
        self.part_mut(slot, 1)
    }

    /// The slot's momentum (to read) and velocity (to write).
    #[inline]
    pub fn momentum_and_velocity_mut(&mut self, slot: usize) -> (&[f64], &mut [f64]) {
        let start = slot * self.stride + self.dim;
        let (momentum, velocity) = self.values[start..start + 3 * self.dim].split_at_mut(self.dim);
        (momentum, &mut velocity[self.dim..])
    }

    /// Writes a whole point into `slot` (its velocity is left as it was).
    pub fn store(
        &mut self,
        slot: usize,
        position: &[f64],
        momentum: &[f64],
        gradient: &[f64],
        log_density: f64,
    ) {
        self.part_mut(slot, 0).copy_from_slice(position);
        self.part_mut(slot, 1).copy_from_slice(momentum);
        self.part_mut(slot, 2).copy_from_slice(gradient);
        self.log_density[slot] = log_density;
    }

    /// The point in `from` to read and the one in `to` to write; `from != to`.
    #[inline(always)]
    pub fn pair(&mut self, from: usize, to: usize) -> (PointRef<'_>, PointMut<'_>) {
        debug_assert_ne!(from, to);
        let (stride, dim) = (self.stride, self.dim);
        let (source, target): (&[f64], &mut [f64]) = if from < to {
            let (low, high) = self.values.split_at_mut(to * stride);
            (
                &low[from * stride..from * stride + stride],
                &mut high[..stride],
            )
        } else {
            let (low, high) = self.values.split_at_mut(from * stride);
            (&high[..stride], &mut low[to * stride..to * stride + stride])
        };
        let (position, rest) = source.split_at(dim);
        let (momentum, rest) = rest.split_at(dim);
        let source = PointRef {
            position,
            momentum,
            gradient: &rest[..dim],
        };
        let (position, rest) = target.split_at_mut(dim);
        let (momentum, rest) = rest.split_at_mut(dim);
        let (gradient, velocity) = rest.split_at_mut(dim);
        let target = PointMut {
            position,
            momentum,
            gradient,
            velocity,
        };
        (source, target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_only_when_no_holder_is_left() {
        let mut pool = PhasePool::new(2, 1);
        let a = pool.acquire();
        pool.retain(a);
        let b = pool.acquire();
        assert_ne!(a, b);
        pool.release(a);
        let c = pool.acquire();
        assert!(c != a && c != b);
        pool.release(a);
        assert_eq!(pool.acquire(), a);
        assert_eq!(pool.held(), 3);
    }

    #[test]
    fn a_pair_reads_one_slot_and_writes_another() {
        let mut pool = PhasePool::new(2, 2);
        pool.store(1, &[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0], -1.5);
        let (from, to) = pool.pair(1, 0);
        assert_eq!(from.momentum, &[3.0, 4.0]);
        to.velocity.copy_from_slice(&[7.0, 8.0]);
        to.momentum.copy_from_slice(from.gradient);
        assert_eq!(pool.velocity(0), &[7.0, 8.0]);
        assert_eq!(pool.momentum(0), &[5.0, 6.0]);
        assert_eq!(pool.log_density(1), -1.5);
    }
}
