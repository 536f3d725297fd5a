//! The generalized no-U-turn criterion of Stan's NUTS, with the extra checks
//! across subtree boundaries (Stan 2.26 and later), computed in one pass
//! over the sums of momenta and the velocities.

/// A subtree's point at one side of the boundary between its halves.
#[derive(Clone, Copy)]
pub(crate) struct Boundary<'a> {
    pub momentum: &'a [f64],
    pub velocity: &'a [f64],
}

/// Merges the sums of momenta of two adjacent parts a (earlier) and b (later)
/// of a trajectory into `rho_out = rho_a + rho_b`, and applies Stan's three
/// U-turn checks in one pass: around the merged part (between the
/// velocities at its two ends), and across the boundary between a and b
/// (from the merged part's start to b's first point, with rho_a plus b's
/// first momentum; from a's last point to the merged part's end, with rho_b
/// plus a's last momentum). Each check is Stan's `compute_criterion`: both
/// velocities must have a positive projection on rho. True if the
/// trajectory may go on.
#[inline(always)]
pub(crate) fn merge_and_check(
    rho_out: &mut [f64],
    rho_a: &[f64],
    rho_b: &[f64],
    p_sharp_beg: &[f64],
    p_sharp_end: &[f64],
    a_end: Boundary<'_>,
    b_beg: Boundary<'_>,
) -> bool {
    let projections = merge_and_project(
        rho_out,
        rho_a,
        rho_b,
        p_sharp_beg,
        p_sharp_end,
        a_end,
        b_beg,
    );
    projections.iter().all(|&projection| projection > 0.0)
}

/// The six projections of `merge_and_check`, in its order: around the
/// merged part (end, start), into b (b's first point, start), from a (end,
/// a's last point). Each is summed in index order.
#[inline(always)]
fn merge_and_project(
    rho_out: &mut [f64],
    rho_a: &[f64],
    rho_b: &[f64],
    p_sharp_beg: &[f64],
    p_sharp_end: &[f64],
    a_end: Boundary<'_>,
    b_beg: Boundary<'_>,
) -> [f64; 6] {
    let n = rho_out.len();
    let (rho_a, rho_b, p_sharp_beg, p_sharp_end) = (
        &rho_a[..n],
        &rho_b[..n],
        &p_sharp_beg[..n],
        &p_sharp_end[..n],
    );
    let (p_a_end, p_sharp_a_end) = (&a_end.momentum[..n], &a_end.velocity[..n]);
    let (p_b_beg, p_sharp_b_beg) = (&b_beg.momentum[..n], &b_beg.velocity[..n]);
    let (mut merged_plus, mut merged_minus) = (0.0, 0.0);
    let (mut into_b_plus, mut into_b_minus) = (0.0, 0.0);
    let (mut from_a_plus, mut from_a_minus) = (0.0, 0.0);
    for i in 0..n {
        let merged = rho_a[i] + rho_b[i];
        rho_out[i] = merged;
        merged_plus += p_sharp_end[i] * merged;
        merged_minus += p_sharp_beg[i] * merged;
        let into_b = rho_a[i] + p_b_beg[i];
        into_b_plus += p_sharp_b_beg[i] * into_b;
        into_b_minus += p_sharp_beg[i] * into_b;
        let from_a = rho_b[i] + p_a_end[i];
        from_a_plus += p_sharp_end[i] * from_a;
        from_a_minus += p_sharp_a_end[i] * from_a;
    }
    [
        merged_plus,
        merged_minus,
        into_b_plus,
        into_b_minus,
        from_a_plus,
        from_a_minus,
    ]
}

/// `merge_and_check` for a subtree of two points a and b: rho_a and rho_b
/// are their momenta, and the three checks are one (Stan's three
/// `compute_criterion` calls get the same velocities and the same rho).
#[inline(always)]
pub(crate) fn merge_and_check_pair(rho_out: &mut [f64], a: Boundary<'_>, b: Boundary<'_>) -> bool {
    let [plus, minus] = merge_and_project_pair(rho_out, a, b);
    plus > 0.0 && minus > 0.0
}

/// The two projections of `merge_and_check_pair`: b's velocity, a's velocity.
#[inline(always)]
fn merge_and_project_pair(rho_out: &mut [f64], a: Boundary<'_>, b: Boundary<'_>) -> [f64; 2] {
    let n = rho_out.len();
    let (p_a, p_sharp_a) = (&a.momentum[..n], &a.velocity[..n]);
    let (p_b, p_sharp_b) = (&b.momentum[..n], &b.velocity[..n]);
    let (mut plus, mut minus) = (0.0, 0.0);
    for i in 0..n {
        let merged = p_a[i] + p_b[i];
        rho_out[i] = merged;
        plus += p_sharp_b[i] * merged;
        minus += p_sharp_a[i] * merged;
    }
    [plus, minus]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| x + y).collect()
    }

    /// Reproducible values in (-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let x = (seed * 7919 + i as u64 * 104_729) % 1000;
                x as f64 / 500.0 - 1.0
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn projections_are_stans_dot_products_at_every_length() {
        for n in 0..=13 {
            let [rho_a, rho_b, beg, end, pa, sa, pb, sb] =
                [1, 2, 3, 4, 5, 6, 7, 8].map(|k| values(n, k));
            let mut rho = vec![0.0; n];
            let a = Boundary {
                momentum: &pa,
                velocity: &sa,
            };
            let b = Boundary {
                momentum: &pb,
                velocity: &sb,
            };
            let projections = merge_and_project(&mut rho, &rho_a, &rho_b, &beg, &end, a, b);
            let merged = add(&rho_a, &rho_b);
            assert_eq!(rho, merged);
            let into_b = add(&rho_a, &pb);
            let from_a = add(&rho_b, &pa);
            let expected = [
                dot(&end, &merged),
                dot(&beg, &merged),
                dot(&sb, &into_b),
                dot(&beg, &into_b),
                dot(&end, &from_a),
                dot(&sa, &from_a),
            ];
            for (got, want) in projections.iter().zip(expected) {
                assert!(
                    close(*got, want),
                    "n = {n}: {projections:?} vs {expected:?}"
                );
            }

            let pair = merge_and_project_pair(&mut rho, a, b);
            let merged = add(&pa, &pb);
            assert_eq!(rho, merged);
            assert!(close(pair[0], dot(&sb, &merged)) && close(pair[1], dot(&sa, &merged)));
        }
    }

    #[test]
    fn every_check_must_pass() {
        let ones = [1.0; 5];
        let minus = [-1.0; 5];
        let forward = Boundary {
            momentum: &ones,
            velocity: &ones,
        };
        let backward = Boundary {
            momentum: &minus,
            velocity: &minus,
        };
        let mut rho = [0.0; 5];
        assert!(merge_and_check(
            &mut rho, &ones, &ones, &ones, &ones, forward, forward
        ));
        // A velocity against the merged sum, at the start or the end.
        assert!(!merge_and_check(
            &mut rho, &ones, &ones, &minus, &ones, forward, forward
        ));
        assert!(!merge_and_check(
            &mut rho, &ones, &ones, &ones, &minus, forward, forward
        ));
        // Only the check into b fails: b's first velocity turns back.
        let b_turns = Boundary {
            momentum: &ones,
            velocity: &minus,
        };
        assert!(!merge_and_check(
            &mut rho, &ones, &ones, &ones, &ones, forward, b_turns
        ));
        // Only the check from a fails.
        assert!(!merge_and_check(
            &mut rho, &ones, &ones, &ones, &ones, b_turns, forward
        ));
        assert!(merge_and_check_pair(&mut rho, forward, forward));
        assert!(!merge_and_check_pair(&mut rho, forward, backward));
    }
}
